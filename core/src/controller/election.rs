//! Who leads a partition: Kafka's controller rules (`PartitionChangeBuilder`).
//!
//! Keep the current leader while it is in the ISR and unfenced; else the first replica in assignment order
//! that is in the ISR and unfenced; else, only with `unclean.leader.election.enable`, the first live replica,
//! which then forms the ISR alone (and acknowledged records it lacks are lost). Otherwise no leader (-1).

use alloc::vec::Vec;

use crate::types::{NodeId, NO_NODE};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    pub leader: NodeId,
    pub isr: Vec<NodeId>,
    /// The leader came from outside the ISR: acknowledged data may be lost.
    pub unclean: bool,
}

pub fn elect_leader(
    replicas: &[NodeId],
    isr: &[NodeId],
    current_leader: NodeId,
    is_alive: impl Fn(NodeId) -> bool,
    unclean_leader_election_enable: bool,
) -> Election {
    let eligible = |r: NodeId| isr.contains(&r) && is_alive(r);
    if current_leader != NO_NODE && eligible(current_leader) {
        return Election { leader: current_leader, isr: isr.to_vec(), unclean: false };
    }
    if let Some(&leader) = replicas.iter().find(|&&r| eligible(r)) {
        return Election { leader, isr: isr.to_vec(), unclean: false };
    }
    if unclean_leader_election_enable {
        if let Some(&leader) = replicas.iter().find(|&&r| is_alive(r)) {
            return Election { leader, isr: alloc::vec![leader], unclean: true };
        }
    }
    Election { leader: NO_NODE, isr: isr.to_vec(), unclean: false }
}

/// A fenced broker leaves every ISR, except that an ISR is never emptied: its last member stays.
pub fn isr_without(isr: &[NodeId], fenced: NodeId) -> Vec<NodeId> {
    if isr.len() == 1 {
        return isr.to_vec();
    }
    isr.iter().copied().filter(|&r| r != fenced).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn alive(down: &'static [NodeId]) -> impl Fn(NodeId) -> bool {
        move |r| !down.contains(&r)
    }

    #[test]
    fn the_current_leader_stays_while_eligible() {
        let e = elect_leader(&[1, 2, 3], &[1, 2, 3], 2, alive(&[]), false);
        assert_eq!((e.leader, e.unclean), (2, false));
    }

    #[test]
    fn else_the_first_isr_member_in_assignment_order() {
        let e = elect_leader(&[1, 2, 3], &[3, 2], 1, alive(&[1]), false);
        assert_eq!(e.leader, 2, "assignment order, not ISR order");
        let e = elect_leader(&[1, 2, 3], &[2, 3], 2, alive(&[2]), false);
        assert_eq!(e.leader, 3);
    }

    #[test]
    fn no_eligible_replica_means_no_leader_unless_unclean() {
        let clean = elect_leader(&[1, 2, 3], &[1], 1, alive(&[1]), false);
        assert_eq!(clean.leader, NO_NODE);
        assert_eq!(clean.isr, vec![1], "the ISR is kept");
        let unclean = elect_leader(&[1, 2, 3], &[1], 1, alive(&[1]), true);
        assert_eq!(unclean, Election { leader: 2, isr: vec![2], unclean: true });
        let nobody = elect_leader(&[1, 2], &[1], 1, alive(&[1, 2]), true);
        assert_eq!(nobody.leader, NO_NODE);
    }

    #[test]
    fn fencing_never_empties_an_isr() {
        assert_eq!(isr_without(&[1, 2, 3], 2), vec![1, 3]);
        assert_eq!(isr_without(&[2], 2), vec![2]);
    }
}
