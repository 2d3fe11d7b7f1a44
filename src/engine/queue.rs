//! The future event list: a binary min-heap keyed by `(time, insertion sequence)`.
//!
//! Events with equal time run in the order they were scheduled, so a run is a pure function
//! of its inputs. Cancellation is lazy: a cancelled event stays in the heap and is skipped
//! when it reaches the top, which keeps `schedule` and `pop` at O(log n) with no allocation
//! per event once the heap has grown to its working size.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

/// Handle of a scheduled event, used to cancel it before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventId(u64);

struct Entry<E> {
    time_ns: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time_ns == other.time_ns && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest `(time, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time_ns, other.seq).cmp(&(self.time_ns, self.seq))
    }
}

/// The scheduler models use: schedule events at absolute or relative times, cancel them,
/// and read the current simulated time.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now_ns: u64,
    cancelled: HashSet<u64>,
}

impl<E> EventQueue<E> {
    /// An empty queue at time 0 with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
            now_ns: 0,
            cancelled: HashSet::new(),
        }
    }

    /// The current simulated time in nanoseconds.
    #[inline]
    pub fn now(&self) -> u64 {
        self.now_ns
    }

    /// Schedules `event` at absolute time `time_ns`. Times in the past are a model error;
    /// they are clamped to the current time so the clock never runs backwards.
    #[inline]
    pub fn schedule_at(&mut self, time_ns: u64, event: E) -> EventId {
        debug_assert!(time_ns >= self.now_ns, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time_ns: time_ns.max(self.now_ns),
            seq,
            event,
        });
        EventId(seq)
    }

    /// Schedules `event` after `delay_ns` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay_ns: u64, event: E) -> EventId {
        self.schedule_at(self.now_ns.saturating_add(delay_ns), event)
    }

    /// Cancels a pending event. The handle must belong to an event that has not run yet;
    /// models drop their handle when the event runs. Returns false if it was already
    /// cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        if id.0 >= self.next_seq {
            return false;
        }
        self.cancelled.insert(id.0)
    }

    /// The time of the earliest pending (not cancelled) event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<u64> {
        self.drop_cancelled_top();
        self.heap.peek().map(|e| e.time_ns)
    }

    /// Removes the earliest pending event, advances the clock to its time and returns it.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        self.drop_cancelled_top();
        let entry = self.heap.pop()?;
        self.now_ns = entry.time_ns;
        Some((entry.time_ns, entry.event))
    }

    /// Advances the clock to `time_ns` without running an event (used by the run loop for
    /// events that live outside the heap, and to reach the horizon).
    #[inline]
    pub fn advance_to(&mut self, time_ns: u64) {
        debug_assert!(time_ns >= self.now_ns, "clock moved backwards");
        self.now_ns = self.now_ns.max(time_ns);
    }

    /// Number of entries in the heap, cancelled ones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no entries remain.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    #[inline]
    fn drop_cancelled_top(&mut self) {
        if self.cancelled.is_empty() {
            return;
        }
        while let Some(top) = self.heap.peek() {
            if self.cancelled.remove(&top.seq) {
                self.heap.pop();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::with_capacity(8);
        q.schedule_at(30, "c");
        q.schedule_at(10, "a1");
        q.schedule_at(20, "b");
        q.schedule_at(10, "a2");
        q.schedule_at(10, "a3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a1", "a2", "a3", "b", "c"]);
        assert_eq!(q.now(), 30);
    }

    #[test]
    fn cancelled_events_never_run() {
        let mut q = EventQueue::with_capacity(8);
        let a = q.schedule_at(5, 'a');
        q.schedule_at(6, 'b');
        let c = q.schedule_at(7, 'c');
        assert!(q.cancel(a));
        assert!(!q.cancel(a), "second cancel reports nothing to do");
        assert!(q.cancel(c));
        assert_eq!(q.peek_time(), Some(6));
        assert_eq!(q.pop(), Some((6, 'b')));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn relative_scheduling_uses_current_time() {
        let mut q = EventQueue::with_capacity(4);
        q.schedule_at(100, 1);
        q.pop();
        q.schedule_in(50, 2);
        assert_eq!(q.pop(), Some((150, 2)));
    }
}
