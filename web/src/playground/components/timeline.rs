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
                    {
                        // An unclean election is where acknowledged records are lost: mark it.
                        let unclean = matches!(e.kind, franz_core::trace::TraceKind::PartitionChanged { unclean: true, .. });
                        html! { <li class={classes!("event", e.kind.kind_name(), unclean.then_some("unclean"))} key={e.seq}>{ &e.text }</li> }
                    }
                }) }
            </ol>
        </section>
    }
}
