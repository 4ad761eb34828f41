use yew::prelude::*;

use crate::playground::state::Notice;

/// What the last action did, or why it failed, shown where the action was taken. `on_confirm_fork` answers
/// a notice that asks before discarding the run's future: fork (`true`) or cancel. (A function, not a
/// component: a component's machinery costs the wasm about 2 KB, and this one is a few elements.) `waiting`:
/// the notice is a blocking call's, waiting for its answer over frames.
pub fn panel_notice(n: &Notice, waiting: bool, on_confirm_fork: &Callback<bool>) -> Html {
    let answer = |fork: bool| on_confirm_fork.reform(move |_: MouseEvent| fork);
    html! {
        <div class={classes!("notice", n.error.then_some("error"), n.confirm_fork.then_some("confirm"))}
            data-testid="notice" role={if n.confirm_fork { "alertdialog" } else { "status" }}
            aria-busy={waiting.then_some("true")}>
            { &n.text }
            if n.confirm_fork {
                <span class="confirm-buttons">
                    <button data-testid="confirm-fork" onclick={answer(true)}>
                        { if n.discards_run { "Replace it" } else { "Fork here and do it" } }
                    </button>
                    <button data-testid="cancel-fork" onclick={answer(false)}>{ "Cancel" }</button>
                </span>
            }
        </div>
    }
}
