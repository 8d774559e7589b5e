//! A set of server switches: the faults ([`crate::Faults`]) or the variants
//! ([`crate::Variants`]) switched on.

use std::collections::BTreeSet;

/// The switches of one kind that are on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switches<T: Ord>(BTreeSet<T>);

impl<T: Ord> Default for Switches<T> {
    fn default() -> Self {
        Switches(BTreeSet::new())
    }
}

impl<T: Ord + Copy> Switches<T> {
    /// None on: the documented default behaviour.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether `switch` is on.
    pub fn has(&self, switch: T) -> bool {
        self.0.contains(&switch)
    }

    /// Switches `switch` on.
    pub fn insert(&mut self, switch: T) {
        self.0.insert(switch);
    }

    /// The switches that are on, in listing order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.0.iter().copied()
    }

    /// Whether none is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Ord> FromIterator<T> for Switches<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Switches(iter.into_iter().collect())
    }
}
