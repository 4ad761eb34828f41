use franz_core::trace::TraceEvent;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// Newest first.
    pub events: Vec<TraceEvent>,
}

#[function_component(Timeline)]
pub fn timeline(p: &TimelineProps) -> Html {
    html! {
        <section class="panel timeline" data-testid="timeline">
            <h2>{ "Events" }</h2>
            <ol class="events">
                { for p.events.iter().map(|e| {
                    html! { <li class={classes!("event", e.kind.kind_name())} key={e.seq}>{ &e.text }</li> }
                }) }
            </ol>
        </section>
    }
}
