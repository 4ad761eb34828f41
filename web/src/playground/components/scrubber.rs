use yew::prelude::*;

use crate::playground::format::ms;
use crate::playground::state::{Mark, MarkKind, TimelineView, Toward};

#[derive(Properties, PartialEq)]
pub struct ScrubberProps {
    pub timeline: TimelineView,
    /// Go to this virtual time (the run replayed up to it).
    pub on_seek: Callback<u64>,
    pub on_mark: Callback<Toward>,
    pub on_now: Callback<()>,
}

/// Height of one kind's lane, in SVG pixels; each kind has its own, so that marks of one moment never hide
/// each other.
const LANE_PX: usize = 8;
const TOP_PX: usize = 6;

/// A mark's shape, drawn around (0, 0): its kind shows by shape as well as by colour.
fn shape(kind: MarkKind) -> Html {
    match kind {
        MarkKind::Crash => html! { <rect x="-3.5" y="-3.5" width="7" height="7" /> },
        MarkKind::ControllerElection => html! { <circle r="3" class="hollow" /> },
        MarkKind::LeaderElection => html! { <circle r="3.5" /> },
        MarkKind::IsrChange => html! { <polygon points="0,-4 4,0 0,4 -4,0" /> },
        MarkKind::UncleanElection => html! { <polygon points="-4.5,-3.5 4.5,-3.5 0,4.5" /> },
        MarkKind::Rebalance => html! { <polygon points="-4,3.5 4,3.5 0,-4" /> },
        MarkKind::Violation => html! { <path d="M-3.5,-3.5L3.5,3.5M3.5,-3.5L-3.5,3.5" class="cross" /> },
    }
}

fn lane_y(kind: MarkKind) -> usize {
    TOP_PX + LANE_PX / 2 + MarkKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) * LANE_PX
}

fn percent(t: u64, end: u64) -> f64 {
    if end == 0 {
        0.0
    } else {
        (t as f64 / end as f64 * 100.0).clamp(0.0, 100.0)
    }
}

fn mark(m: &Mark, end: u64) -> Html {
    html! {
        <svg x={format!("{:.3}%", percent(m.time_ms, end))} y={lane_y(m.kind).to_string()} overflow="visible"
             class={classes!("mark", m.kind.name())} data-testid="timeline-mark" data-kind={m.kind.name()} data-time={m.time_ms.to_string()}>
            <title>{ &m.label }</title>
            { shape(m.kind) }
        </svg>
    }
}

/// Where a pointer is along the track, from 0 (the run's start) to 1 (its present). (Yew delegates events,
/// so the event's current target is not the track: the track is found by its node ref.)
fn fraction(track: &NodeRef, e: &PointerEvent) -> Option<f64> {
    let rect = track.cast::<web_sys::Element>()?.get_bounding_client_rect();
    (rect.width() > 0.0).then(|| ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0))
}

/// Virtual time with a mark for each crash, election, ISR change, rebalance and checker violation (hover for
/// its line). Click or drag to go there (the run replayed from its seed), step between marks with the
/// buttons or the arrow keys, and come back to the present, which is kept until you act in the past.
#[function_component(TimelineScrubber)]
pub fn timeline_scrubber(p: &ScrubberProps) -> Html {
    let tl = &p.timeline;
    let end = tl.end_ms;
    // While dragging: where the pointer is (drawn), and whether a drag is on (read at once by the next
    // event, which may come before the next render). The world moves on release: one replay per drag.
    let preview = use_state(|| None::<f64>);
    let dragging = use_mut_ref(|| false);
    let track = use_node_ref();
    let onpointerdown = {
        let (preview, dragging, track) = (preview.clone(), dragging.clone(), track.clone());
        Callback::from(move |e: PointerEvent| {
            if let Some(el) = track.cast::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            *dragging.borrow_mut() = true;
            preview.set(fraction(&track, &e));
        })
    };
    let onpointermove = {
        let (preview, dragging, track) = (preview.clone(), dragging.clone(), track.clone());
        Callback::from(move |e: PointerEvent| {
            if *dragging.borrow() {
                preview.set(fraction(&track, &e));
            }
        })
    };
    let onpointerup = {
        let (preview, dragging, track, cb) = (preview.clone(), dragging.clone(), track.clone(), p.on_seek.clone());
        Callback::from(move |e: PointerEvent| {
            let was_dragging = std::mem::replace(&mut *dragging.borrow_mut(), false);
            if let (true, Some(f)) = (was_dragging, fraction(&track, &e)) {
                cb.emit((f * end as f64).round() as u64);
            }
            preview.set(None);
        })
    };
    let onkeydown = {
        let (on_mark, on_now) = (p.on_mark.clone(), p.on_now.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "ArrowLeft" => {
                e.prevent_default();
                on_mark.emit(Toward::Previous);
            }
            "ArrowRight" => {
                e.prevent_default();
                on_mark.emit(Toward::Next);
            }
            "End" => {
                e.prevent_default();
                on_now.emit(());
            }
            _ => {}
        })
    };
    let mark_button = |toward: Toward, label: &str, testid: &str, title: &str| {
        let cb = p.on_mark.clone();
        html! { <button class="small" data-testid={testid.to_string()} title={title.to_string()} onclick={Callback::from(move |_| cb.emit(toward))}>{ label }</button> }
    };
    let on_now = p.on_now.reform(|_: MouseEvent| ());
    let now_x = percent(tl.now_ms, end);
    let height = TOP_PX * 2 + LANE_PX * MarkKind::ALL.len();
    html! {
        <section class="panel scrubber" data-testid="timeline-scrubber">
            <div class="scrubber-head">
                <h2>{ "Timeline" }</h2>
                { mark_button(Toward::Previous, "◀ mark", "mark-previous", "go to the previous mark (←)") }
                { mark_button(Toward::Next, "mark ▶", "mark-next", "go to the next mark (→)") }
                if tl.in_past() {
                    <button class="small primary" data-testid="back-to-now" onclick={on_now} title="back to the run's present (End, with the timeline focused)">{ "Back to now" }</button>
                }
                <span class={classes!("scrubber-status", tl.in_past().then_some("past"))} data-testid="scrubber-status">{
                    if tl.in_past() {
                        format!("Viewing t = {} of a run at t = {}. Playing or acting here forks the run: everything after t = {} is discarded.",
                            ms(tl.now_ms), ms(end), ms(tl.now_ms))
                    } else {
                        format!("t = {} · click or drag to go back (the run is replayed from its seed); ← → step between marks", ms(end))
                    }
                }</span>
            </div>
            <svg ref={track} class="track" width="100%" height={height.to_string()} tabindex="0" role="slider"
                 aria-label="virtual time" aria-valuemin="0" aria-valuemax={end.to_string()} aria-valuenow={tl.now_ms.to_string()}
                 {onpointerdown} {onpointermove} {onpointerup} {onkeydown}>
                { for MarkKind::ALL.iter().map(|k| html! {
                    <line class="lane" x1="0" x2="100%" y1={lane_y(*k).to_string()} y2={lane_y(*k).to_string()} />
                }) }
                if tl.in_past() {
                    <rect class="kept-future" x={format!("{now_x:.3}%")} y="0" width={format!("{:.3}%", 100.0 - now_x)} height="100%" />
                }
                { for tl.marks.iter().map(|m| mark(m, end)) }
                <line class="cursor" x1={format!("{now_x:.3}%")} x2={format!("{now_x:.3}%")} y1="0" y2="100%" />
                if let Some(f) = *preview {
                    <line class="drag" x1={format!("{:.3}%", f * 100.0)} x2={format!("{:.3}%", f * 100.0)} y1="0" y2="100%" />
                    <text class="drag-label" x={format!("{:.3}%", (f * 100.0).min(88.0))} y="10">{ ms((f * end as f64).round() as u64) }</text>
                }
            </svg>
            <div class="scrubber-axis meta"><span>{ "0 ms" }</span><span>{ ms(end) }</span></div>
            <ul class="legend">
                { for MarkKind::ALL.iter().map(|k| html! {
                    <li><svg width="12" height="12" class={classes!("mark", k.name())}><g transform="translate(6 6)">{ shape(*k) }</g></svg>{ k.label() }</li>
                }) }
            </ul>
        </section>
    }
}
