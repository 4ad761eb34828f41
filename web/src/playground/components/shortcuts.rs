use yew::prelude::*;

use crate::playground::state::SHORTCUTS;

#[derive(Properties, PartialEq)]
pub struct ShortcutHelpProps {
    pub on_close: Callback<()>,
}

/// The page's keyboard shortcuts, over the page; `?` or Escape (or Close, or a click beside it) closes it.
#[function_component(ShortcutHelp)]
pub fn shortcut_help(p: &ShortcutHelpProps) -> Html {
    let close = use_node_ref();
    {
        let close = close.clone();
        use_effect_with((), move |_| {
            if let Some(button) = close.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let on_backdrop = {
        let cb = p.on_close.clone();
        Callback::from(move |e: MouseEvent| {
            let on_backdrop = e.target().zip(e.current_target()).is_some_and(|(t, c)| t == c);
            if on_backdrop {
                cb.emit(());
            }
        })
    };
    let on_close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" onclick={on_backdrop}>
            <div class="panel shortcut-help" role="dialog" aria-modal="true" aria-labelledby="shortcut-help-title" data-testid="shortcut-help">
                <h2 id="shortcut-help-title">{ "Keyboard shortcuts" }</h2>
                <table>
                    { for SHORTCUTS.iter().map(|(key, what)| html! {
                        <tr data-testid="shortcut"><th><kbd>{ *key }</kbd></th><td>{ *what }</td></tr>
                    }) }
                </table>
                <p class="meta">{ "They wait while you type in a field. On the cluster map, Tab to a broker or controller and press Enter for its actions (↑ ↓ move between them); on the timeline, ← → and End work when it has the focus." }</p>
                <button ref={close} data-testid="shortcut-help-close" onclick={on_close}>{ "Close" }</button>
            </div>
        </div>
    }
}
