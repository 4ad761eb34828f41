use franz_core::trace::group_thousands;
use yew::prelude::*;

use crate::playground::shared::Shared;
use crate::playground::state::{Chapter, LessonView};

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub chapters: Shared<Vec<Chapter>>,
    /// The lesson the page follows (none in free play).
    pub lesson: Shared<Option<LessonView>>,
    /// Open the lesson with this id.
    pub on_open: Callback<String>,
    pub on_next: Callback<()>,
    pub on_back: Callback<()>,
    pub on_draft: Callback<()>,
    pub on_free_play: Callback<()>,
}

/// The lesson beside the cluster: its question, the step last played with each claim met (✓) or not (✗
/// and what the world shows), Next and Back; below, the picker, grouped by chapter.
#[function_component(LessonPanel)]
pub fn lesson_panel(p: &LessonPanelProps) -> Html {
    let on_draft = p.on_draft.reform(|_: MouseEvent| ());
    let on_free_play = p.on_free_play.reform(|_: MouseEvent| ());
    html! {
        <section class="panel lesson" data-testid="lesson">
            if let Some(l) = &*p.lesson {
                <Current lesson={l.clone()} on_next={p.on_next.clone()} on_back={p.on_back.clone()} />
            } else {
                <h2>{ "Lessons" }</h2>
                <p class="hint" data-testid="free-play-hint">{ "Free play: the cluster is yours. Or pick a lesson: each step is played on a simulated Kafka cluster and every claim it makes is checked." }</p>
            }
            <details class="lesson-picker" open={p.lesson.is_none()}>
                <summary data-testid="lesson-picker">{ "All lessons" }</summary>
                <div class="lesson-list" data-testid="lesson-list">
                    { for p.chapters.iter().map(|c| html! {
                        <div class="chapter">
                            <h4>{ &c.name }</h4>
                            <ul>
                                { for c.lessons.iter().map(|l| {
                                    let current = p.lesson.as_ref().is_some_and(|v| v.id == l.id);
                                    let (cb, id) = (p.on_open.clone(), l.id.clone());
                                    html! {
                                        <li>
                                            <button class={classes!("lesson-item", current.then_some("current"))} data-testid="lesson-item"
                                                    data-lesson={l.id.clone()} onclick={Callback::from(move |_| cb.emit(id.clone()))}>
                                                <span class="lesson-name">{ &l.title }</span>
                                                <span class="promise">{ &l.promise }</span>
                                            </button>
                                        </li>
                                    }
                                }) }
                            </ul>
                        </div>
                    }) }
                </div>
            </details>
            <div class="buttons">
                <button class="small" data-testid="save-draft" onclick={on_draft}
                        title="download this run as a lesson (JSON): one step per batch of actions, narration for you to write">{ "Save as lesson draft" }</button>
                <button class="small" data-testid="free-play" onclick={on_free_play} title="a new cluster of your own">{ "Free play" }</button>
            </div>
        </section>
    }
}

/// What the page shows while scrubbed back in a lesson: which step's claims are shown, and when they were
/// checked (claims hold at the end of their step, not at every moment).
fn past_text(l: &LessonView, t: u64) -> String {
    let at = group_thousands(t);
    // Next acts on now, not on the moment shown (adversary 40: "Next plays step 1" in the past played step 3).
    let next = match l.steps_done {
        n if n < l.steps_total && !l.forked => format!(" and Next plays step {} from there", n + 1),
        _ => String::new(),
    };
    let now = match l.steps_done {
        0 => format!("The lesson is at its start: \"Back to now\" returns there{next}."),
        n => format!("The lesson is at step {n}: \"Back to now\" returns there{next}."),
    };
    match (l.shown_step, l.checked_at_ms) {
        (0, _) | (_, None) => format!("You are looking at t = {at} ms, before step 1 ended. {now}"),
        // The clock stands still between steps: the instant a step ended, the next one's first actions ran.
        (k, Some(checked)) if checked == t && k < l.steps_done => format!(
            "You are looking at t = {at} ms, in the past: step {k} ended then (below, its claims as checked) and step {} began, so the cluster already shows its first actions. {now}",
            k + 1
        ),
        (k, Some(checked)) => format!(
            "You are looking at t = {at} ms, in the past: below is step {k}, its claims as checked when it ended (t = {} ms). {now}",
            group_thousands(checked)
        ),
    }
}

#[derive(Properties, PartialEq)]
struct CurrentProps {
    lesson: LessonView,
    on_next: Callback<()>,
    on_back: Callback<()>,
}

/// The open lesson: where it is, what was just played and what it showed.
#[function_component(Current)]
fn current(p: &CurrentProps) -> Html {
    let l = &p.lesson;
    let done = l.steps_done == l.steps_total;
    let on_next = p.on_next.reform(|_: MouseEvent| ());
    let on_back = p.on_back.reform(|_: MouseEvent| ());
    let back_label = match (l.forked, l.steps_done) {
        (true, 0) => String::from("Back to the start"),
        (true, n) => format!("Back to step {n}"),
        (false, _) => String::from("Back"),
    };
    html! {
        <>
            <div class="meta">{ format!("{} · lesson", l.chapter) }</div>
            <h3 class="lesson-title" data-testid="lesson-title">{ &l.title }</h3>
            <p class="question">{ &l.question }</p>
            <div class="lesson-step" data-testid="lesson-step">
                if let Some(t) = l.past_ms {
                    <p class="lesson-past" data-testid="lesson-past">{ past_text(l, t) }</p>
                }
                if let Some(narration) = &l.narration {
                    <div class="step-count" data-testid="lesson-step-count">{ format!("Step {} of {}", l.shown_step, l.steps_total) }</div>
                    <p class="narration">{ narration }</p>
                    <ul class="verdicts" data-testid="lesson-verdicts">
                        { for l.verdicts.iter().map(|v| html! {
                            <li class={classes!("verdict", if v.met { "met" } else { "unmet" })} data-testid="verdict" data-met={v.met.to_string()}>
                                <span class="tick" aria-label={if v.met { "met" } else { "not met" }}>{ if v.met { "✓" } else { "✗" } }</span>
                                { &v.claim }
                                if !v.met {
                                    <span class="actual">{ format!(": {}", v.actual) }</span>
                                }
                            </li>
                        }) }
                    </ul>
                } else {
                    <p class="promise">{ &l.promise }</p>
                    if l.past_ms.is_none() || l.steps_done == 0 {
                        <p class="hint">{ format!("{} steps. Next plays step 1 on this cluster and checks each of its claims against the simulation.", l.steps_total) }</p>
                    }
                }
            </div>
            <div class="progress" aria-hidden="true">
                { for (0..l.steps_total).map(|i| html! { <span class={classes!("dot", (i < l.steps_done).then_some("done"))}></span> }) }
            </div>
            if l.forked {
                <p class="forked" data-testid="lesson-forked">{ format!(
                    "Forked: you are trying it yourself on the lesson's world. Next is off; Back returns to the end of step {}.", l.steps_done) }</p>
            } else if done {
                <p class={classes!("lesson-done", (l.unmet > 0).then_some("bad"))} data-testid="lesson-done">{
                    if l.unmet == 0 { String::from("Lesson complete: every claim held.") }
                    else { format!("Lesson complete: {} claim(s) did not hold.", l.unmet) }
                }</p>
            }
            <div class="buttons lesson-buttons">
                <button data-testid="lesson-back" onclick={on_back} disabled={l.steps_done == 0 && !l.forked}
                        title="replay the lesson from its seed to the end of the previous step">{ back_label }</button>
                // (Not disabled while a step plays, only said to be: a disabled button loses the focus, and Space
                // then played the clock, forking the lesson: adversary 55. Next then does nothing.)
                <button class="primary" data-testid="lesson-next" onclick={on_next} disabled={l.forked || done}
                        aria-disabled={l.step_under_way.then_some("true")}
                        title="play the next step and check its claims">{ match (l.step_under_way, l.steps_done) {
                            (true, n) => format!("Playing step {} …", n + 1),
                            (false, 0) => String::from("Start: step 1"),
                            (false, _) => String::from("Next"),
                        } }</button>
            </div>
            <p class="hint">{ "Try it yourself: every panel acts on this lesson's world (doing so forks the lesson)." }</p>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(steps_done: usize, shown_step: usize, checked_at_ms: Option<u64>) -> LessonView {
        LessonView {
            id: "l".into(),
            chapter: "c".into(),
            title: "t".into(),
            question: "q".into(),
            promise: "p".into(),
            steps_total: 4,
            steps_done,
            shown_step,
            narration: None,
            verdicts: Vec::new(),
            checked_at_ms,
            past_ms: None,
            unmet: 0,
            forked: false,
            step_under_way: false,
        }
    }

    /// Found by an adversary: at the instant a step ended (a mark, often) the banner named that step alone,
    /// while the map showed the next step's first action.
    #[test]
    fn in_the_past_the_banner_says_which_step_the_cluster_shows() {
        let at_the_end = past_text(&view(3, 2, Some(500)), 500);
        assert!(
            at_the_end.contains("step 2 ended then (below, its claims as checked) and step 3 began"),
            "{at_the_end}"
        );
        let later = past_text(&view(3, 2, Some(500)), 700);
        assert!(later.contains("below is step 2, its claims as checked when it ended (t = 500 ms)"), "{later}");
        let last = past_text(&view(2, 2, Some(500)), 500);
        assert!(last.contains("below is step 2") && !last.contains("began"), "the lesson goes no further: {last}");
        assert!(past_text(&view(3, 0, None), 1).contains("before step 1 ended"));
        // Next acts on now (adversary 40: in the past, the page said Next plays step 1, and it played step 4).
        assert!(
            later.ends_with("The lesson is at step 3: \"Back to now\" returns there and Next plays step 4 from there."),
            "{later}"
        );
        let done = past_text(&view(4, 2, Some(500)), 700);
        assert!(done.ends_with("returns there."), "the lesson is over: {done}");
    }
}
