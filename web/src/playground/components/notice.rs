use yew::prelude::*;

use crate::playground::state::Notice;

#[derive(Properties, PartialEq)]
pub struct PanelNoticeProps {
    pub notice: Notice,
    /// The answer to a notice that asks before discarding the run's future: fork (`true`) or cancel.
    pub on_confirm_fork: Callback<bool>,
}

/// What the last action did, or why it failed, shown where the action was taken.
#[function_component(PanelNotice)]
pub fn panel_notice(p: &PanelNoticeProps) -> Html {
    let n = &p.notice;
    let answer = |fork: bool| p.on_confirm_fork.reform(move |_: MouseEvent| fork);
    html! {
        <div class={classes!("notice", n.error.then_some("error"), n.confirm_fork.then_some("confirm"))}
            data-testid="notice" role={if n.confirm_fork { "alertdialog" } else { "status" }}>
            { &n.text }
            if n.confirm_fork {
                <span class="confirm-buttons">
                    <button data-testid="confirm-fork" onclick={answer(true)}>{ "Fork here and do it" }</button>
                    <button data-testid="cancel-fork" onclick={answer(false)}>{ "Cancel" }</button>
                </span>
            }
        </div>
    }
}
