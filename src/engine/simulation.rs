//! The run loop that drives a model with the event queue.
//!
//! A model may keep one stream of events outside the heap (its "source", e.g. the next
//! transaction arrival): the loop compares the source's next time with the heap's top and
//! runs whichever is earlier. Keeping high-rate arrival streams out of the heap avoids most
//! heap sifting. At equal times the source runs first; this rule is fixed, so runs stay
//! deterministic.

use super::queue::EventQueue;

/// A simulation model driven by [`run_until`].
pub trait Model {
    /// The model's event type: a plain enum keeps the heap compact and allocation-free.
    type Event;

    /// Time of the next event of the model's external source, if it has one.
    fn next_source_time(&self) -> Option<u64> {
        None
    }

    /// Runs the source event due at `now_ns` (only called when `next_source_time` said so).
    fn on_source(&mut self, _now_ns: u64, _queue: &mut EventQueue<Self::Event>) {}

    /// Handles one event popped from the queue at `now_ns`.
    fn handle(&mut self, now_ns: u64, event: Self::Event, queue: &mut EventQueue<Self::Event>);
}

/// What one call of [`run_until`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events handled (queue events plus source events).
    pub events: u64,
}

/// Events between two looks at [`crate::interrupt`] (a power of two).
const INTERRUPT_POLL_EVENTS: u64 = 1024;

/// Runs events in time order until the next one is at or after `end_ns` (the horizon is
/// exclusive), then advances the clock to `end_ns`. Stops early when the process was asked
/// to stop ([`crate::interrupt`]); the caller then discards the run.
pub fn run_until<M: Model>(model: &mut M, queue: &mut EventQueue<M::Event>, end_ns: u64) -> RunStats {
    let mut stats = RunStats::default();
    loop {
        if stats.events % INTERRUPT_POLL_EVENTS == 0 && crate::interrupt::is_requested() {
            break;
        }
        let heap_next = queue.peek_time();
        let source_next = model.next_source_time();
        let source_first = match (source_next, heap_next) {
            (Some(s), Some(h)) => s <= h,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if source_first {
            let t = source_next.unwrap_or(end_ns);
            if t >= end_ns {
                break;
            }
            queue.advance_to(t);
            model.on_source(t, queue);
        } else {
            match heap_next {
                Some(t) if t < end_ns => {}
                _ => break,
            }
            let Some((t, event)) = queue.pop() else { break };
            model.handle(t, event, queue);
        }
        stats.events += 1;
    }
    queue.advance_to(end_ns);
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Source ticks every 10 ns; each tick schedules an echo 5 ns later.
    struct Echo {
        next_tick: u64,
        log: Vec<(u64, &'static str)>,
    }

    impl Model for Echo {
        type Event = ();
        fn next_source_time(&self) -> Option<u64> {
            Some(self.next_tick)
        }
        fn on_source(&mut self, now: u64, q: &mut EventQueue<()>) {
            self.log.push((now, "tick"));
            q.schedule_in(5, ());
            self.next_tick += 10;
        }
        fn handle(&mut self, now: u64, _: (), _: &mut EventQueue<()>) {
            self.log.push((now, "echo"));
        }
    }

    #[test]
    fn interleaves_source_and_queue_in_time_order() {
        let mut m = Echo {
            next_tick: 0,
            log: vec![],
        };
        let mut q = EventQueue::with_capacity(4);
        let stats = run_until(&mut m, &mut q, 25);
        assert_eq!(
            m.log,
            [(0, "tick"), (5, "echo"), (10, "tick"), (15, "echo"), (20, "tick")]
        );
        assert_eq!(stats.events, 5);
        assert_eq!(q.now(), 25);
    }

    #[test]
    fn source_runs_before_queue_event_at_same_time() {
        let mut m = Echo {
            next_tick: 5,
            log: vec![],
        };
        let mut q = EventQueue::with_capacity(4);
        q.schedule_at(5, ());
        run_until(&mut m, &mut q, 6);
        assert_eq!(m.log, [(5, "tick"), (5, "echo")]);
    }
}
