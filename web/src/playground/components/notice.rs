use yew::prelude::*;

use crate::playground::state::Notice;

#[derive(Properties, PartialEq)]
pub struct PanelNoticeProps {
    pub notice: Notice,
}

/// What the last action did, or why it failed, shown where the action was taken.
#[function_component(PanelNotice)]
pub fn panel_notice(p: &PanelNoticeProps) -> Html {
    let n = &p.notice;
    html! {
        <div class={classes!("notice", n.error.then_some("error"))} data-testid="notice" role="status">{ &n.text }</div>
    }
}
