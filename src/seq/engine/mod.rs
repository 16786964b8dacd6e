//! The shared engines of the adapters: the producer state machine and its stop rule, the cooperative budget, the drain loop of the terminal futures, and the engines shared by several adapters.

pub(crate) mod abandon;
pub(crate) mod budget;
pub(crate) mod concurrent;
pub(crate) mod drain;
pub(crate) mod early_end;
pub(crate) mod fan_in;
pub(crate) mod flat;
pub(crate) mod one_call;
pub(crate) mod producer;
pub(crate) mod split;
pub(crate) mod timer;
