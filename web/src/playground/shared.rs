//! What the panels are given: parts of a snapshot shared by reference count.
//!
//! The root re-renders every animation frame (the clock, the messages on the map), and Yew compares each
//! panel's props to decide whether to render it again. A part of the snapshot taken at the last refresh is
//! the same allocation until the next, so comparing it costs a pointer comparison, not a walk through 200
//! partitions 60 times a second.

use std::ops::Deref;
use std::rc::Rc;

#[derive(Debug)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Rc::new(value))
    }

    /// A value already behind a reference count (what Yew's `use_memo` hands back).
    pub fn from_rc(value: Rc<T>) -> Shared<T> {
        Shared(value)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

/// The same allocation is equal without a look inside; two allocations are compared by value (a refresh
/// that found nothing new leaves the panel as it is).
impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_by_identity_or_by_value() {
        let a = Shared::new(vec![1, 2]);
        assert_eq!(a, a.clone());
        assert_eq!(a, Shared::new(vec![1, 2]));
        assert_ne!(a, Shared::new(vec![2]));
    }
}
