//! Lessons in the page: the picker's chapters, the lesson being played (Next plays a step and judges its
//! claims, Back replays the lesson for one step fewer), forking into free play, and saving any run as a
//! lesson draft. The lessons themselves, their runner and their claims live in the core
//! (`franz_core::lesson`); this file only keeps which lesson the page shows and how far it got.
//!
//! While a lesson is followed the clock stands still between steps, so that every step runs on exactly
//! the world the lesson was written (and tested) for. Anything that changes that world (an action in a
//! panel, Play, Step) forks the lesson: the page says so, Next is off, and Back returns to the end of the
//! step the fork left from.

use franz_core::check::ViolationKind;
use franz_core::lesson::{
    Expectation, Lesson, LessonAction, LessonCluster, LessonRun, LessonStep, StepReport, Verdict, LESSON_STEPS_MAX,
};
use franz_core::sim::scenario::{Action as ScenarioAction, Scenario, ScenarioEntry, SCENARIO_VERSION};
use franz_core::trace::group_thousands;
use franz_core::{ClusterConfig, World};

use super::{calls, new_world, share, Notice, Outcome, Playground};

/// A lesson as the picker lists it.
#[derive(Clone, PartialEq, Debug)]
pub struct LessonSummary {
    pub id: String,
    pub title: String,
    /// What the learner will have seen, in one line.
    pub promise: String,
}

/// The picker's groups, in the library's order.
#[derive(Clone, PartialEq, Debug)]
pub struct Chapter {
    pub name: String,
    pub lessons: Vec<LessonSummary>,
}

/// The lessons grouped by chapter: chapters in the order they first appear, lessons in library order.
pub fn chapters(library: &[Lesson]) -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = Vec::new();
    for l in library {
        let summary = LessonSummary { id: l.id.clone(), title: l.title.clone(), promise: l.promise.clone() };
        match chapters.iter_mut().find(|c| c.name == l.chapter) {
            Some(chapter) => chapter.lessons.push(summary),
            None => chapters.push(Chapter { name: l.chapter.clone(), lessons: vec![summary] }),
        }
    }
    chapters
}

/// What the lesson panel shows.
#[derive(Clone, PartialEq, Debug)]
pub struct LessonView {
    pub id: String,
    pub chapter: String,
    pub title: String,
    pub question: String,
    pub promise: String,
    pub steps_total: usize,
    pub steps_done: usize,
    /// The step whose narration and claims are shown: the last played, or, while the page shows the
    /// past, the last that had ended by then (0: none).
    pub shown_step: usize,
    /// The narration of the step shown (none before the first).
    pub narration: Option<String>,
    /// Its claims, each met or not when it ended.
    pub verdicts: Vec<Verdict>,
    /// When the shown step ended and its claims were checked.
    pub checked_at_ms: Option<u64>,
    /// The earlier moment the page shows (scrubbed back), if it does.
    pub past_ms: Option<u64>,
    /// Claims not met in all the steps played so far.
    pub unmet: usize,
    /// The user changed the lesson's world: Next is off until Back returns to the lesson.
    pub forked: bool,
    /// A step is being played, a slice a frame: Next waits for it.
    pub step_under_way: bool,
}

/// The lesson the page follows.
pub(super) struct LessonMode {
    lesson: Lesson,
    /// The lesson's runner. Its world is parked: the live one is the playground's, swapped in to play a step.
    run: LessonRun,
    /// One report per step played.
    reports: Vec<StepReport>,
    forked: bool,
}

impl LessonMode {
    /// The user changed the lesson's world ("try it yourself").
    pub(super) fn forked(&self) -> bool {
        self.forked
    }
}

impl LessonMode {
    pub(super) fn steps_total(&self) -> usize {
        self.lesson.steps.len()
    }
}

/// A tiny world that holds the place of the lesson runner's own while the playground shows the live one.
pub(super) fn parked_world() -> World {
    let scenario = Scenario {
        version: SCENARIO_VERSION,
        seed: 0,
        brokers: 1,
        controllers: 1,
        network: Default::default(),
        config: Default::default(),
        clock_start_ms: 0,
        actions: Vec::new(),
    };
    World::replay(&scenario, Some(0)).unwrap_or_else(|_| new_world(1))
}

/// The lesson played from its start for `steps` steps (at most all of them).
fn replay(lesson: &Lesson, steps: usize) -> Result<(LessonRun, Vec<StepReport>), String> {
    let mut run = LessonRun::start(lesson).map_err(|e| e.to_string())?;
    let reports = (0..steps.min(lesson.steps.len()))
        .map(|_| run.play_step(lesson))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((run, reports))
}

fn claims_summary(report: &StepReport) -> String {
    let unmet = report.verdicts.iter().filter(|v| !v.met).count();
    match (report.verdicts.len(), unmet) {
        (0, _) => String::from("no claims to check."),
        (n, 0) => format!("all {n} claim(s) hold."),
        (n, k) => format!("{k} of {n} claim(s) do NOT hold: see what the world shows instead."),
    }
}

impl Playground {
    /// The picker's chapters.
    pub fn chapters(&self) -> Vec<Chapter> {
        chapters(&self.library)
    }

    /// The lesson the page follows, if any.
    pub fn lesson(&self) -> Option<LessonView> {
        let mode = self.lesson.as_ref()?;
        let l = &mode.lesson;
        // In the past, the claims shown are those of the step that had ended by then, not the latest.
        let past_ms = self.present.is_some().then(|| self.world.now_ms());
        let shown_step = match past_ms {
            Some(t) => mode.reports.iter().take_while(|r| r.ended_ms <= t).count(),
            None => mode.reports.len(),
        };
        let last = shown_step.checked_sub(1).and_then(|i| mode.reports.get(i));
        Some(LessonView {
            id: l.id.clone(),
            chapter: l.chapter.clone(),
            title: l.title.clone(),
            question: l.question.clone(),
            promise: l.promise.clone(),
            steps_total: l.steps.len(),
            steps_done: mode.reports.len(),
            shown_step,
            narration: last.and_then(|r| l.steps.get(r.step)).map(|s| s.narration.clone()),
            verdicts: last.map(|r| r.verdicts.clone()).unwrap_or_default(),
            checked_at_ms: last.map(|r| r.ended_ms),
            past_ms,
            unmet: mode.reports.iter().flat_map(|r| &r.verdicts).filter(|v| !v.met).count(),
            forked: mode.forked,
            step_under_way: mode.run.step_under_way(),
        })
    }

    /// The address of the lesson open, at the step it reached (forked: the step it forked after, which a
    /// reload opens).
    pub(super) fn lesson_fragment(&self) -> Option<String> {
        let mode = self.lesson.as_ref()?;
        Some(share::lesson_fragment(&mode.lesson.id, mode.reports.len()))
    }

    /// The link to the lesson as the page shows it (its fragment, and the steps played), unless it is forked.
    pub fn lesson_link(&self) -> Option<(String, usize)> {
        let mode = self.lesson.as_ref().filter(|m| !m.forked)?;
        Some((share::lesson_fragment(&mode.lesson.id, mode.reports.len()), mode.reports.len()))
    }

    /// Opens what a link names as a page load does, with the lessons already fetched.
    pub(super) fn open_link(&mut self, fragment: &str) -> Outcome {
        let (library, clock) = (std::mem::take(&mut self.library), self.clock.take());
        *self = Playground::open(fragment, Ok(library), clock);
        Outcome {
            changed: true,
            world_replaced: true,
            notice: self.notice.clone(),
            fragment: self.lesson_link().map(|(link, _)| link),
            ..Outcome::default()
        }
    }

    /// Opens the library's lesson `id` with `steps` steps played (replayed from its start), paused.
    pub(super) fn open_lesson(&mut self, id: &str, steps: usize, outcome: &mut Outcome) -> Result<String, String> {
        let lesson = self
            .library
            .iter()
            .find(|l| l.id == id)
            .cloned()
            .ok_or_else(|| format!("No lesson {:?}.", share::excerpt(id)))?;
        let (mut run, reports) = replay(&lesson, steps)?;
        let world = std::mem::replace(&mut run.world, parked_world());
        self.replace_world(world, outcome);
        self.reset_timeline();
        self.playing = false;
        let done = reports.len();
        outcome.fragment = Some(share::lesson_fragment(&lesson.id, done));
        let text = match done {
            0 => format!("Lesson: {}. {} Next plays step 1 of {}.", lesson.title, lesson.question, lesson.steps.len()),
            n => format!("Lesson: {}, replayed to the end of step {n} of {}.", lesson.title, lesson.steps.len()),
        };
        self.lesson = Some(LessonMode { lesson, run, reports, forked: false });
        self.show_checker_claims();
        Ok(text)
    }

    /// Plays the lesson's next step on the world the page shows, and judges its claims.
    pub(super) fn lesson_next(&mut self, outcome: &mut Outcome) -> Result<String, String> {
        let back = self.present.is_some().then(|| self.back_to_now());
        let mode = self.lesson.as_mut().ok_or("No lesson is open: pick one in the list.")?;
        if mode.forked {
            let at = mode.reports.len();
            return Err(format!(
                "This lesson is forked: you changed its world after step {at}. Back returns to the end of step {at}, then Next goes on."
            ));
        }
        let total = mode.lesson.steps.len();
        if mode.reports.len() >= total {
            return Err(format!("The lesson is over ({total} of {total} steps): pick another, or try it yourself."));
        }
        let step = mode.reports.len() + 1;
        let text = match self.advance_lesson_step(self.clock.clone(), outcome)? {
            Some(text) => text,
            None => format!("Step {step} of {total}: playing it, a slice a frame …"),
        };
        Ok(back.map_or(text.clone(), |b| format!("{b} {text}")))
    }

    /// Whether a step is being played a slice a frame.
    pub(super) fn lesson_step_under_way(&self) -> bool {
        self.lesson.as_ref().is_some_and(|m| m.run.step_under_way())
    }

    /// Plays the step under way (or the next) for a frame's share of wall time as `clock` measures it
    /// (without a clock, to its end), as a time travel replays: a step of minutes (a reassignment, a
    /// failover) held the page's main thread ~100 ms at once (adversary 51). Its sentence once it ended.
    pub(super) fn advance_lesson_step(
        &mut self,
        clock: Option<super::Clock>,
        outcome: &mut Outcome,
    ) -> Result<Option<String>, String> {
        let mode = self.lesson.as_mut().ok_or("No lesson is open: pick one in the list.")?;
        let total = mode.lesson.steps.len();
        let slice_ms = calls::slice_ms(clock.as_ref());
        std::mem::swap(&mut self.world, &mut mode.run.world);
        let report = calls::for_a_frame(clock.as_ref(), || mode.run.play_step_for(&mode.lesson, slice_ms).transpose());
        std::mem::swap(&mut self.world, &mut mode.run.world);
        // Its frames are timed by the clock itself: their cost does not size the simulation's share.
        self.replayed_last_frame |= clock.is_some();
        let Some(report) = report.transpose().map_err(|e| e.to_string())? else { return Ok(None) };
        let text = format!("Step {} of {total}: {}", report.step + 1, claims_summary(&report));
        mode.reports.push(report);
        outcome.fragment = Some(share::lesson_fragment(&mode.lesson.id, mode.reports.len()));
        self.show_checker_claims();
        Ok(Some(text))
    }

    /// A step whose claims are the checker's shows its verdict as "Check this run" does, pinned on the
    /// timeline and the log strip (adversary 40: the lesson said the checker found a lost write, and the page
    /// showed none of it until the user checked).
    fn show_checker_claims(&mut self) {
        let Some(mode) = &self.lesson else { return };
        let Some(step) = mode.reports.last().and_then(|r| mode.lesson.steps.get(r.step)) else { return };
        let about_the_checker =
            |e: &Expectation| matches!(e, Expectation::Violations { .. } | Expectation::ViolationCount { .. });
        if step.expect.iter().any(about_the_checker) {
            let report = self.world.check();
            self.mark_violations(&report);
            self.report = Some(report);
        }
    }

    /// Back to the end of the previous step (replaying the lesson for one step fewer); in a forked lesson,
    /// back to the end of the step it forked from.
    pub(super) fn lesson_back(&mut self, outcome: &mut Outcome) -> Result<String, String> {
        let mode = self.lesson.as_ref().ok_or("No lesson is open: pick one in the list.")?;
        let done = mode.reports.len();
        let target = match (mode.forked, done) {
            (true, n) => n,
            (false, 0) => return Err("This is the lesson's start.".into()),
            (false, n) => n - 1,
        };
        let id = mode.lesson.id.clone();
        self.open_lesson(&id, target, outcome)?;
        Ok(match target {
            0 => String::from("Back to the lesson's start (replayed from its seed)."),
            n => format!("Back to the end of step {n} (the lesson replayed from its seed)."),
        })
    }

    /// The user changes the lesson's world: the lesson is forked (once), and the page says so. Forked from
    /// the past, it keeps only the steps that had ended by then (what followed was discarded with the run).
    pub(super) fn fork_lesson(&mut self) -> Option<Notice> {
        let now_ms = self.world.now_ms();
        let mode = self.lesson.as_mut()?;
        // Forked again further back (from the past of a fork), fewer steps had ended.
        mode.reports.retain(|r| r.ended_ms <= now_ms);
        if std::mem::replace(&mut mode.forked, true) {
            return None;
        }
        Some(Notice::info(match mode.reports.len() {
            0 => String::from(
                "You are trying it yourself: the lesson is forked before its first step, so Next is off. Back returns to the lesson's start.",
            ),
            at => format!(
                "You are trying it yourself: the lesson is forked after step {at}, so Next is off. Back returns to the end of step {at}."
            ),
        }))
    }

    /// A lesson open at its start, not changed yet: Space begins its first step (adversary 51: Space played
    /// the clock there, forking the lesson before the reader had seen a step).
    pub(super) fn lesson_not_begun(&self) -> bool {
        self.lesson.as_ref().is_some_and(|m| !m.forked && m.reports.is_empty())
    }

    /// The run so far as a lesson draft to download.
    pub(super) fn save_draft(&self, outcome: &mut Outcome) -> Result<String, String> {
        let (lesson, json) = draft(&self.world)?;
        let text = format!(
            "Saved this run as a lesson draft ({} step(s)): write each step's narration, then add it to core/lessons/.",
            lesson.steps.len()
        );
        outcome.download = Some(super::Download { file_name: format!("{}.json", lesson.id), text: json });
        Ok(text)
    }
}

/// The run's actions in batches: what was done at one moment, and the time that passed after it.
fn batches(actions: &[ScenarioEntry]) -> Vec<Vec<ScenarioEntry>> {
    let mut batches = Vec::new();
    let mut batch = Vec::new();
    for entry in actions {
        batch.push(entry.clone());
        if matches!(entry.action, ScenarioAction::RunFor { .. } | ScenarioAction::Step) {
            batches.push(std::mem::take(&mut batch));
        }
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

/// A run as a lesson draft, and its JSON: its cluster, one step per batch of actions (batches merge to
/// stay within `LESSON_STEPS_MAX`), each action with the outcome it had, narration for the author to write,
/// and on the last step a claim of exactly what the checker finds now. The draft replays the run: its
/// trace hash is the run's, or this says why not.
pub fn draft(world: &World) -> Result<(Lesson, String), String> {
    let scenario = world.scenario().map_err(|e| e.to_string())?;
    let batches = batches(&scenario.actions);
    let per_step = batches.len().div_ceil(LESSON_STEPS_MAX).max(1);
    // The playground's runs start their clock at 0, as lessons do.
    let ClusterConfig { seed, brokers, controllers, network, broker_config, .. } = scenario.cluster_config();
    let mut replay = World::new(scenario.cluster_config()).map_err(|e| e.to_string())?;
    let mut steps: Vec<LessonStep> = Vec::new();
    for chunk in batches.chunks(per_step) {
        let entries: Vec<&ScenarioEntry> = chunk.iter().flatten().collect();
        let at_ms = entries.first().map_or(0, |e| e.at_ms);
        let mut names: Vec<&str> = entries.iter().map(|e| e.action.name()).collect();
        names.dedup();
        let actions = entries
            .iter()
            .map(|e| LessonAction {
                action: e.action.clone(),
                fails: replay.apply(e.action.clone()).err().map(|e| e.code),
                sent_to: None,
                polled: None,
            })
            .collect();
        let narration = format!(
            "(Step {}, from t = {} ms: {}.) Write what the learner should do or watch here, and why Kafka does it.",
            steps.len() + 1,
            group_thousands(at_ms),
            names.join(", ")
        );
        steps.push(LessonStep { narration, actions, expect: Vec::new() });
    }
    if replay.trace().hash() != world.trace().hash() {
        return Err(String::from(
            "This run does not replay as a lesson: a time travel cut an action short. Save a draft before going back.",
        ));
    }
    let mut kinds: Vec<ViolationKind> = Vec::new();
    for v in world.check().violations {
        if !kinds.contains(&v.kind) {
            kinds.push(v.kind);
        }
    }
    if steps.is_empty() {
        let narration = String::from("(Nothing was done yet.) Write what the learner should watch here.");
        steps.push(LessonStep { narration, actions: Vec::new(), expect: Vec::new() });
    }
    if let Some(last) = steps.last_mut() {
        last.expect.push(Expectation::Violations { kinds });
    }
    let lesson = Lesson {
        id: format!("draft-seed-{seed}"),
        chapter: String::from("Drafts"),
        title: format!("A run of seed {seed} (draft)"),
        question: String::from("(Which question does this run answer? Write it here.)"),
        promise: String::from("(What will the learner have seen? One line.)"),
        cluster: LessonCluster { seed, brokers, controllers, network, config: broker_config },
        steps,
    };
    let json = lesson.to_json();
    let parsed = Lesson::parse(&json).map_err(|e| format!("The draft does not read back as a lesson: {e}"))?;
    Ok((parsed, json))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{create_topic, frames, record};
    use super::super::{Action, BrokerAction};
    use super::*;
    use franz_core::lesson::{library, play};

    fn first_lesson() -> Lesson {
        library().into_iter().next().expect("the library has a lesson")
    }

    /// The world after the lesson's first `steps` steps, played by the core's runner alone.
    fn hash_after(lesson: &Lesson, steps: usize) -> u64 {
        replay(lesson, steps).unwrap().0.world.trace().hash()
    }

    fn open(lesson: &Lesson) -> Playground {
        Playground::from_fragment(&share::lesson_fragment(&lesson.id, 0))
    }

    /// Adversary 51: a step of minutes played at once held the main thread ~100 ms. With a clock, a step
    /// plays a slice a frame (Next waits meanwhile), ending where it ends played at once; an action taken
    /// meanwhile ends it first.
    #[test]
    fn a_long_step_plays_a_slice_a_frame_to_where_it_ends_at_once() {
        let lesson = library().into_iter().find(|l| l.id == "reassignment-and-preferred-leaders").unwrap();
        let clock = || -> super::super::Clock {
            let ticks = std::cell::Cell::new(0.0);
            std::rc::Rc::new(move || {
                ticks.set(ticks.get() + 1.0);
                ticks.get()
            })
        };
        let mut p = open(&lesson);
        p.set_clock(clock());
        let mut frames = 0;
        let mut t = 0.0;
        for step in 1..=lesson.steps.len() {
            let notice = p.reduce(Action::LessonNext).notice.unwrap();
            while p.lesson().unwrap().step_under_way {
                assert!(notice.text.contains("playing it, a slice a frame"), "{}", notice.text);
                assert!(p.lesson().unwrap().steps_done < step);
                t += 16.0;
                p.reduce(Action::Frame(t));
                frames += 1;
            }
            assert_eq!(p.lesson().unwrap().steps_done, step);
            assert_eq!(p.notice_place(), super::super::Place::Lesson, "step {step}'s verdict in the lesson");
            assert_eq!(p.world().trace().hash(), hash_after(&lesson, step), "step {step}");
        }
        assert!(frames > 10, "some steps took several frames ({frames})");
        assert_eq!(p.lesson().unwrap().unmet, 0);

        // An action while a step plays waits for the step's end, then forks the lesson after it.
        let mut p = open(&lesson);
        p.set_clock(clock());
        loop {
            p.reduce(Action::LessonNext);
            if p.lesson().unwrap().step_under_way {
                break;
            }
        }
        let playing = p.lesson().unwrap().steps_done + 1;
        assert_eq!(p.shortcut(" "), None, "Space while a step plays does nothing (it forked the lesson)");
        p.reduce(Action::LessonNext);
        assert!(p.queued.is_empty(), "nor does Next (its button stays focusable)");
        create_topic(&mut p, "during", 1);
        assert!(p.lesson().unwrap().step_under_way && !p.lesson().unwrap().forked);
        while p.lesson().unwrap().step_under_way || !p.queued.is_empty() {
            t += 16.0;
            p.reduce(Action::Frame(t));
        }
        let view = p.lesson().unwrap();
        assert_eq!((view.steps_done, view.step_under_way, view.forked), (playing, false, true));
        assert_eq!(view.unmet, 0, "the step ended as it would have");
    }

    /// Adversary 51: Space at a lesson's start played the clock, forking the lesson before its first step
    /// (and the notice spoke of a "step 0"). It begins the first step there; later it plays, as elsewhere.
    #[test]
    fn space_at_a_lessons_start_begins_its_first_step() {
        let lesson = first_lesson();
        let mut p = open(&lesson);
        assert_eq!(p.shortcut(" "), Some(Action::LessonNext));
        p.reduce(Action::LessonNext);
        assert_eq!(p.lesson().unwrap().steps_done, 1);
        assert_eq!(p.shortcut(" "), Some(Action::TogglePlay));
        let mut p = open(&lesson);
        let notice = p.reduce(Action::TogglePlay).notice.unwrap();
        assert!(
            notice.text.contains("forked before its first step") && !notice.text.contains("step 0"),
            "{}",
            notice.text
        );
    }

    #[test]
    fn a_first_visit_opens_the_first_lesson_at_its_start_with_the_clock_still() {
        let mut p = Playground::from_fragment("");
        let lesson = first_lesson();
        let view = p.lesson().expect("a lesson is open");
        assert_eq!((view.id.as_str(), view.steps_done, view.steps_total), (lesson.id.as_str(), 0, lesson.steps.len()));
        assert_eq!(view.narration, None, "nothing played yet: the page shows the question and the promise");
        assert!(!view.forked && !p.playing());
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 0), "the lesson's own cluster");
        let t = p.world().now_ms();
        frames(&mut p, 5, 100.0);
        assert_eq!(p.world().now_ms(), t, "between steps the clock stands still");
        let chapters = p.chapters();
        assert_eq!(chapters.iter().map(|c| c.lessons.len()).sum::<usize>(), library().len());
        assert_eq!(chapters[0].lessons[0].id, lesson.id);
    }

    #[test]
    fn lessons_that_could_not_be_fetched_leave_free_play_and_say_why() {
        for fragment in ["", "#lesson=acks-1-loses-writes"] {
            let mut p = Playground::open(fragment, Err(String::from("lessons/index.json: HTTP 404")), None);
            let notice = p.notice().expect("the page says why there is no lesson");
            assert!(notice.error, "{}", notice.text);
            assert_eq!(notice.text, "The lessons could not be loaded (lessons/index.json: HTTP 404): free play.");
            assert!(p.lesson().is_none() && p.chapters().is_empty() && p.playing());
            create_topic(&mut p, "t", 1);
            frames(&mut p, 20, 100.0);
            assert!(p.snapshot().logs.get(&(String::from("t"), 0)).is_some(), "free play works: {:?}", p.notice());
        }
    }

    #[test]
    fn next_plays_every_lesson_to_its_end_with_every_claim_met() {
        for lesson in library() {
            let mut p = open(&lesson);
            let total = lesson.steps.len();
            for step in 1..=total {
                let outcome = p.reduce(Action::LessonNext);
                let notice = outcome.notice.unwrap();
                assert!(!notice.error, "{}: {}", lesson.id, notice.text);
                assert!(notice.text.starts_with(&format!("Step {step} of {total}: ")), "{}", notice.text);
                assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, step)));
                let view = p.lesson().unwrap();
                assert_eq!(view.steps_done, step);
                assert_eq!(view.narration.as_ref(), Some(&lesson.steps[step - 1].narration));
                assert!(view.verdicts.iter().all(|v| v.met), "{}: {:?}", lesson.id, view.verdicts);
            }
            assert_eq!(p.lesson().unwrap().unmet, 0);
            // A step whose claims are the checker's left its verdict on the page (adversary 40).
            let about_the_checker = lesson.steps.iter().flat_map(|s| &s.expect).any(|e| {
                matches!(e, Expectation::ViolationCount { count, .. } if *count > 0)
                    || matches!(e, Expectation::Violations { kinds } if !kinds.is_empty())
            });
            if about_the_checker {
                assert!(p.report().is_some_and(|r| !r.ok), "{}: the checker's verdict is shown", lesson.id);
            }
            assert_eq!(p.world().trace().hash(), play(&lesson).unwrap().0.trace().hash(), "the core's run, exactly");
            let notice = p.reduce(Action::LessonNext).notice.unwrap();
            assert!(notice.error && notice.text.starts_with("The lesson is over"), "{}", notice.text);
        }
    }

    #[test]
    fn a_step_shows_each_claim_met_or_what_the_world_shows() {
        let mut p = open(&first_lesson());
        p.reduce(Action::LessonNext);
        let verdicts = p.lesson().unwrap().verdicts;
        assert!(verdicts.iter().any(|v| v.claim == "orders has 3 partition(s)" && v.met && v.actual.is_empty()));
        // The same claim, false: the mode shows what the world has instead.
        let mode = p.lesson.as_mut().unwrap();
        mode.lesson.steps[1].expect.push(Expectation::PartitionCount { topic: "orders".into(), is: 5 });
        let notice = p.reduce(Action::LessonNext).notice.unwrap();
        assert!(notice.text.contains("1 of 4 claim(s) do NOT hold"), "{}", notice.text);
        let view = p.lesson().unwrap();
        let unmet = view.verdicts.iter().find(|v| !v.met).unwrap();
        assert_eq!((unmet.claim.as_str(), unmet.actual.as_str()), ("orders has 5 partition(s)", "it has 3"));
        assert_eq!(view.unmet, 1);
    }

    #[test]
    fn back_replays_the_lesson_to_the_end_of_the_previous_step() {
        let lesson = first_lesson();
        let mut p = open(&lesson);
        for _ in 0..3 {
            p.reduce(Action::LessonNext);
        }
        let outcome = p.reduce(Action::LessonBack);
        assert_eq!(outcome.notice.unwrap().text, "Back to the end of step 2 (the lesson replayed from its seed).");
        assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, 2)));
        assert!(outcome.world_replaced);
        let view = p.lesson().unwrap();
        assert_eq!(view.steps_done, 2);
        assert_eq!(view.narration.as_ref(), Some(&lesson.steps[1].narration), "step 2 and its verdicts again");
        assert!(!view.verdicts.is_empty() && view.verdicts.iter().all(|v| v.met));
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 2));
        // The page goes back in the browser's history for it: the entry it lands on shows this already.
        let landed = p.reduce(Action::OpenLink(share::lesson_fragment(&lesson.id, 2)));
        assert!(!landed.changed && !landed.world_replaced && landed.fragment.is_none());
        // Next goes on from there as if Back had never happened.
        p.reduce(Action::LessonNext);
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 3));

        p.reduce(Action::LessonBack);
        p.reduce(Action::LessonBack);
        p.reduce(Action::LessonBack);
        assert_eq!(p.lesson().unwrap().steps_done, 0);
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 0));
        let notice = p.reduce(Action::LessonBack).notice.unwrap();
        assert!(notice.error && notice.text == "This is the lesson's start.", "{}", notice.text);
    }

    #[test]
    fn acting_on_the_lessons_world_forks_it_and_back_returns_to_the_lesson() {
        let lesson = first_lesson();
        let mut p = open(&lesson);
        p.reduce(Action::LessonNext);
        p.reduce(Action::LessonNext);
        let outcome = p.reduce(Action::Send(record("orders", "mine", "all")));
        let notice = outcome.notice.unwrap();
        assert!(
            notice.text.starts_with("You are trying it yourself: the lesson is forked after step 2, so Next is off."),
            "{}",
            notice.text
        );
        assert!(
            notice.text.ends_with(" Acknowledged: orders-2 at offset 0."),
            "and what the action did: {}",
            notice.text
        );
        assert!(p.lesson().unwrap().forked);
        let notice = p.reduce(Action::LessonNext).notice.unwrap();
        assert!(notice.error && notice.text.starts_with("This lesson is forked"), "{}", notice.text);
        // Acting again says nothing more about the fork.
        let notice = create_topic(&mut p, "more", 1).notice.unwrap();
        assert_eq!(notice.text, "Created topic more with 1 partition(s).");

        let notice = p.reduce(Action::LessonBack).notice.unwrap();
        assert_eq!(notice.text, "Back to the end of step 2 (the lesson replayed from its seed).");
        assert!(!p.lesson().unwrap().forked);
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 2));
        assert!(!p.reduce(Action::LessonNext).notice.unwrap().error);

        // Play, and Step, change the world too; the speed, the checker and a share link do not.
        p.reduce(Action::SetSpeed(10.0));
        p.reduce(Action::Check);
        p.reduce(Action::Share);
        assert!(!p.lesson().unwrap().forked);
        p.reduce(Action::TogglePlay);
        assert!(p.lesson().unwrap().forked && p.playing());
    }

    /// A lesson whose steps 1 to 3 each take time, and a moment inside step 2 (after step 1 ended).
    fn lesson_in_time() -> (Lesson, u64) {
        library()
            .into_iter()
            .find_map(|l| {
                let (_, reports) = replay(&l, 3).ok()?;
                let ends: Vec<u64> = reports.iter().map(|r| r.ended_ms).collect();
                (ends.len() == 3 && ends[0] + 1 < ends[1] && ends[1] < ends[2]).then(|| (l, ends[0] + 1))
            })
            .expect("a lesson whose first steps take time")
    }

    #[test]
    fn scrubbed_back_in_a_lesson_the_page_shows_the_claims_of_the_step_that_had_ended() {
        let (lesson, inside_step_2) = lesson_in_time();
        let mut p = open(&lesson);
        for _ in 0..3 {
            p.reduce(Action::LessonNext);
        }
        let (_, reports) = replay(&lesson, 3).unwrap();
        p.reduce(Action::TimeTravel(inside_step_2));
        let view = p.lesson().unwrap();
        assert_eq!((view.steps_done, view.shown_step, view.past_ms), (3, 1, Some(inside_step_2)));
        assert_eq!(view.narration.as_ref(), Some(&lesson.steps[0].narration));
        assert_eq!(view.verdicts, reports[0].verdicts, "step 1's claims, not step 3's");
        assert_eq!(view.checked_at_ms, Some(reports[0].ended_ms));
        p.reduce(Action::TimeTravel(1));
        let view = p.lesson().unwrap();
        assert_eq!(
            (view.shown_step, view.narration.as_ref(), view.verdicts.len()),
            (0, None, 0),
            "before step 1 ended"
        );
        // A link from the past is the run's, without the lesson, and the page says so (adversary 40).
        assert!(p.reduce(Action::Share).fragment.unwrap().starts_with("#s="));
        let copied = p.reduce(Action::LinkCopied(true)).notice.unwrap().text;
        assert!(copied.contains("as free play, without the lesson"), "{copied}");
        p.reduce(Action::BackToNow);
        let view = p.lesson().unwrap();
        assert_eq!((view.shown_step, view.past_ms, view.checked_at_ms), (3, None, Some(reports[2].ended_ms)));
        assert!(p.reduce(Action::Share).fragment.unwrap().starts_with("#lesson="), "now, the lesson's link");
    }

    #[test]
    fn a_lesson_forked_from_the_past_keeps_the_steps_that_had_ended_and_back_returns_there() {
        let (lesson, inside_step_2) = lesson_in_time();
        let mut p = open(&lesson);
        for _ in 0..3 {
            p.reduce(Action::LessonNext);
        }
        p.reduce(Action::TimeTravel(inside_step_2));
        p.reduce(Action::Step);
        let outcome = p.reduce(Action::ConfirmFork(true));
        let notice = outcome.notice.unwrap();
        assert!(notice.text.contains("the lesson is forked after step 1,"), "{}", notice.text);
        assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, 1)), "a reload opens it there");
        let view = p.lesson().unwrap();
        assert!(view.forked && view.past_ms.is_none());
        assert_eq!((view.steps_done, view.shown_step), (1, 1));
        assert_eq!(view.narration.as_ref(), Some(&lesson.steps[0].narration));
        // Forked again, further back: before step 1 ended.
        let back = p.reduce(Action::TimeTravel(1)).fragment;
        assert_eq!(back, None, "in the past the address keeps the lesson's step");
        p.reduce(Action::Step);
        let outcome = p.reduce(Action::ConfirmFork(true));
        assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, 0)));
        let view = p.lesson().unwrap();
        assert_eq!((view.forked, view.steps_done, view.narration), (true, 0, None), "no step had ended then");
        p.reduce(Action::LessonNext);
        p.reduce(Action::LessonBack);
        let lesson_at = |p: &mut Playground, steps| {
            let notice = p.reduce(Action::OpenLink(share::lesson_fragment(&lesson.id, steps))).notice;
            assert!(notice.is_none(), "{notice:?}");
        };
        lesson_at(&mut p, 1);
        let notice = p.reduce(Action::LessonBack).notice.unwrap();
        assert_eq!(notice.text, "Back to the lesson's start (replayed from its seed).");
        lesson_at(&mut p, 2);
        // A link shared from the past, then back to now: the address names the lesson again.
        p.reduce(Action::TimeTravel(inside_step_2));
        assert!(p.reduce(Action::Share).fragment.unwrap().starts_with("#s="));
        assert_eq!(p.reduce(Action::BackToNow).fragment, Some(share::lesson_fragment(&lesson.id, 2)));
        lesson_at(&mut p, 3);
        p.reduce(Action::TimeTravel(inside_step_2));
        p.reduce(Action::Step);
        p.reduce(Action::ConfirmFork(true));
        let notice = p.reduce(Action::LessonBack).notice.unwrap();
        assert_eq!(notice.text, "Back to the end of step 1 (the lesson replayed from its seed).");
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 1));
    }

    #[test]
    fn a_lesson_link_opens_at_its_step_and_an_unknown_lesson_says_so() {
        let lesson = first_lesson();
        let p = Playground::from_fragment(&format!("#lesson={}&step=2", lesson.id));
        assert_eq!(p.lesson().unwrap().steps_done, 2);
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 2));
        let total = lesson.steps.len();
        let p = Playground::from_fragment(&format!("#lesson={}&step=99", lesson.id));
        assert_eq!(p.lesson().unwrap().steps_done, total, "at most every step");
        let notice = p.notice().unwrap();
        assert_eq!(
            notice.text,
            format!("The link asks for step 99, and this lesson has {total}: it opens at the end of step {total}.")
        );
        assert_eq!(p.lesson_link(), Some((share::lesson_fragment(&lesson.id, total), total)), "the address says so");
        for bad in ["abc", "-1", "2.5", "", "99999999999999999999"] {
            let p = Playground::from_fragment(&format!("#lesson={}&step={bad}", lesson.id));
            assert_eq!(p.lesson().unwrap().steps_done, 0);
            let notice = p.notice().unwrap();
            assert!(notice.error, "{notice:?}");
            assert_eq!(
                notice.text,
                format!("The link's step {bad:?} is not a step number: the lesson opens at its start.")
            );
            assert_eq!(p.lesson_link(), Some((share::lesson_fragment(&lesson.id, 0), 0)));
        }
        assert!(Playground::from_fragment(&format!("#lesson={}&step=2", lesson.id)).notice().is_none());

        let p = Playground::from_fragment("#lesson=no-such-lesson");
        let notice = p.notice().unwrap();
        assert!(notice.error, "{notice:?}");
        assert_eq!(notice.text, "No lesson \"no-such-lesson\". Here is the first lesson.");
        assert_eq!(p.lesson().unwrap().id, lesson.id);

        let mut p = Playground::from_fragment("#play");
        let outcome = p.reduce(Action::OpenLesson(lesson.id.clone()));
        assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, 0)));
        assert!(p.lesson().is_some() && !p.playing());
        let outcome = p.reduce(Action::NewCluster(3));
        assert_eq!(outcome.fragment.as_deref(), Some("#play"));
        assert!(p.lesson().is_none() && p.playing());
    }

    #[test]
    fn a_link_opened_in_an_open_page_opens_as_a_page_load_would() {
        let lesson = first_lesson();
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "mine", 1);
        // (The free-play run the user acted in is not dropped without asking.)
        let asked = p.reduce(Action::OpenLink(share::lesson_fragment(&lesson.id, 2)));
        assert!(asked.notice.is_some_and(|n| n.confirm_fork) && !asked.world_replaced);
        let outcome = p.reduce(Action::ConfirmFork(true));
        assert!(outcome.changed && outcome.world_replaced);
        assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, 2)));
        assert_eq!(p.lesson().unwrap().steps_done, 2);
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 2), "the lesson's world, not the free play's");
        // The browser's Back to the step before.
        p.reduce(Action::OpenLink(share::lesson_fragment(&lesson.id, 1)));
        assert_eq!(p.world().trace().hash(), hash_after(&lesson, 1));
        // A shared run, pasted in.
        let mut other = Playground::from_fragment("#play");
        create_topic(&mut other, "shared", 1);
        let link = other.reduce(Action::Share).fragment.unwrap();
        let outcome = p.reduce(Action::OpenLink(link));
        assert_eq!(outcome.fragment, None, "the address already names it");
        assert!(p.lesson().is_none() && p.world().describe_topic("shared").is_ok());
        let outcome = p.reduce(Action::OpenLink(String::from("#lesson=nope")));
        assert!(outcome.notice.unwrap().error);
        assert_eq!(
            outcome.fragment,
            Some(share::lesson_fragment(&lesson.id, 0)),
            "the first lesson, as the address says"
        );
        p.reduce(Action::OpenLink(String::from("#play")));
        assert!(p.lesson().is_none() && p.playing() && !p.chapters().is_empty(), "the lessons are kept");
    }

    #[test]
    fn a_link_shared_in_a_lesson_opens_the_lesson_at_its_step() {
        let lesson = first_lesson();
        let mut p = open(&lesson);
        p.reduce(Action::LessonNext);
        p.reduce(Action::LessonNext);
        let outcome = p.reduce(Action::Share);
        assert_eq!(outcome.fragment, Some(share::lesson_fragment(&lesson.id, 2)));
        assert!(outcome.copy_link);
        assert_eq!(
            outcome.notice.unwrap().text,
            "The link to this lesson at step 2 is in the address bar; copying it …"
        );
        let copied = p.reduce(Action::LinkCopied(true)).notice.unwrap();
        assert_eq!(copied.text, "Link copied (the lesson at step 2; it opens there). It is in the address bar too.");
        // Forked, the run is the user's own: its link replays it.
        p.reduce(Action::Send(record("orders", "mine", "all")));
        let link = p.reduce(Action::Share).fragment.unwrap();
        assert!(link.starts_with("#s="), "{link}");
        let shared = Playground::from_fragment(&link);
        assert_eq!(shared.world().trace().hash(), p.world().trace().hash());
    }

    #[test]
    fn any_run_saves_as_a_lesson_draft_that_parses_and_replays_it() {
        let mut p = Playground::from_fragment("#play");
        create_topic(&mut p, "orders", 1);
        create_topic(&mut p, "bad name!", 1);
        p.reduce(Action::Topic(super::super::TopicAction::Create {
            name: "single".into(),
            partitions: 1,
            replication_factor: Some(1),
            config: Default::default(),
        }));
        p.reduce(Action::SetSpeed(10.0));
        frames(&mut p, 3, 100.0);
        p.reduce(Action::Send(record("orders", "a", "all")));
        p.reduce(Action::Send(record("single", "b", "all")));
        let leader = p.world().describe_topic("single").unwrap().partitions[0].leader.unwrap();
        p.reduce(Action::Broker(leader, BrokerAction::PowerLoss));
        p.reduce(Action::Broker(leader, BrokerAction::Restart));
        frames(&mut p, 3, 100.0);

        let outcome = p.reduce(Action::SaveDraft);
        let notice = outcome.notice.unwrap();
        assert!(!notice.error && notice.text.starts_with("Saved this run as a lesson draft ("), "{}", notice.text);
        let download = outcome.download.unwrap();
        assert_eq!(download.file_name, "draft-seed-1.json");
        let draft = Lesson::parse(&download.text).unwrap();
        assert_eq!((draft.chapter.as_str(), draft.cluster.seed), ("Drafts", 1));
        let failing: Vec<_> = draft.steps.iter().flat_map(|s| &s.actions).filter_map(|a| a.fails).collect();
        assert_eq!(failing, [franz_core::ErrorCode::InvalidTopicException], "the bad name fails as it did");
        let last = draft.steps.last().unwrap();
        assert_eq!(last.expect, [Expectation::Violations { kinds: vec![ViolationKind::LostWrite] }]);

        let (world, reports) = play(&draft).unwrap();
        assert_eq!(world.trace().hash(), p.world().trace().hash(), "the draft replays the run");
        assert!(reports.iter().all(StepReport::all_met), "{reports:?}");

        // A lesson's own run saves too: its draft replays the lesson.
        let lesson = first_lesson();
        let mut p = open(&lesson);
        p.reduce(Action::LessonNext);
        p.reduce(Action::LessonNext);
        let draft = Lesson::parse(&p.reduce(Action::SaveDraft).download.unwrap().text).unwrap();
        assert_eq!(play(&draft).unwrap().0.trace().hash(), hash_after(&lesson, 2));
    }

    #[test]
    fn the_picker_groups_lessons_by_chapter_in_library_order() {
        let base = first_lesson();
        let lesson = |id: &str, chapter: &str| Lesson { id: id.into(), chapter: chapter.into(), ..base.clone() };
        let library = [lesson("a", "Basics"), lesson("b", "Failures"), lesson("c", "Basics"), lesson("d", "Groups")];
        let chapters = chapters(&library);
        let shape: Vec<(&str, Vec<&str>)> =
            chapters.iter().map(|c| (c.name.as_str(), c.lessons.iter().map(|l| l.id.as_str()).collect())).collect();
        assert_eq!(shape, [("Basics", vec!["a", "c"]), ("Failures", vec!["b"]), ("Groups", vec!["d"])]);
        assert_eq!(chapters[0].lessons[0].promise, base.promise);
    }
}
