//! Ordered work on every core: loading and rendering environments, staging their files.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of cores, at most `limit`.
pub fn cores(limit: usize) -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(limit)
}

/// How many workers share file work (staging, reading stamps) over `items`: at most
/// four, since the kernel's work on files gains little past that and every worker holds
/// its own directories open; at least one.
pub fn file_workers(items: usize) -> usize {
    cores(4).min(items).max(1)
}

/// How many workers render and write `items` roots: twice as many as there are cores, at
/// most four (as [`file_workers`]), since a worker creating files waits for the disk at
/// times and another can render meanwhile (a thousand new environments on two cores: 12%
/// less time with four than with two, when the disk had inode tables to read).
pub fn writing_workers(items: usize) -> usize {
    (2 * cores(usize::MAX)).min(4).min(items).max(1)
}

/// `f` over every item, on as many threads as there are cores, results in order.
/// Fewer than `at_least` items are not worth starting threads for.
pub fn map<T: Sync, R: Send>(items: &[T], at_least: usize, f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let threads = cores(items.len());
    if threads <= 1 || items.len() < at_least {
        return items.iter().enumerate().map(|(i, item)| f(i, item)).collect();
    }
    map_with(items, vec![(); threads], |(), i, item| f(i, item))
}

/// `f` over every item on one thread per state in `states` (each worker works with its
/// own, e.g. handles on directories), the items taken in turn, results in order.
pub fn map_with<T: Sync, S: Send, R: Send>(
    items: &[T],
    states: Vec<S>,
    f: impl Fn(&mut S, usize, &T) -> R + Sync,
) -> Vec<R> {
    let states = match <[S; 1]>::try_from(states) {
        // One worker works on this thread: a thread of its own would only cost its start.
        Ok([mut state]) => return items.iter().enumerate().map(|(i, item)| f(&mut state, i, item)).collect(),
        Err(states) => states,
    };
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = states
            .into_iter()
            .map(|mut state| {
                let (next, f) = (&next, &f);
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(&mut state, i, item)));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items_and_each_worker_its_state() {
        let items: Vec<usize> = (0..100).collect();
        assert_eq!(map(&items, 1, |i, item| i * 1000 + item * 2), items.iter().map(|i| i * 1002).collect::<Vec<_>>());
        let counts = map_with(&items, vec![0usize; 3], |seen, _, item| {
            *seen += 1;
            (*item, *seen)
        });
        assert_eq!(counts.iter().map(|(item, _)| *item).collect::<Vec<_>>(), items);
        assert!(counts.iter().all(|(_, seen)| *seen >= 1));
    }
}
