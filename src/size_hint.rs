//! Arithmetic on `(lower, upper)` size hints, saturating on the lower bound
//! and checked (`None` = unbounded) on the upper one, as in itertools'
//! `size_hint` module.

/// A size hint: a lower bound and an optional upper bound.
pub(crate) type SizeHint = (usize, Option<usize>);

/// The hint of a sequence that may drop any of its elements.
#[inline]
pub(crate) fn at_most((_, upper): SizeHint) -> SizeHint {
    (0, upper)
}

/// The hint of two sequences' elements together: the sum of the bounds.
#[inline]
pub(crate) fn add((lower_a, upper_a): SizeHint, (lower_b, upper_b): SizeHint) -> SizeHint {
    (
        lower_a.saturating_add(lower_b),
        upper_a.zip(upper_b).and_then(|(a, b)| a.checked_add(b)),
    )
}

/// Adds `x` to both bounds.
#[inline]
pub(crate) fn add_scalar((lower, upper): SizeHint, x: usize) -> SizeHint {
    (
        lower.saturating_add(x),
        upper.and_then(|u| u.checked_add(x)),
    )
}

/// Subtracts `x` from both bounds, stopping at zero.
#[inline]
pub(crate) fn sub_scalar((lower, upper): SizeHint, x: usize) -> SizeHint {
    (lower.saturating_sub(x), upper.map(|u| u.saturating_sub(x)))
}

/// The number of batches of at most `n` that `hint` elements fill: both
/// bounds divided by `n`, rounding up.
///
/// # Panics
///
/// If `n` is zero.
#[inline]
pub(crate) fn div_ceil((lower, upper): SizeHint, n: usize) -> SizeHint {
    (lower.div_ceil(n), upper.map(|u| u.div_ceil(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bound_saturates_and_upper_bound_overflows_to_unbounded() {
        assert_eq!(
            add_scalar((usize::MAX, Some(usize::MAX)), 1),
            (usize::MAX, None)
        );
        assert_eq!(add_scalar((1, Some(2)), 3), (4, Some(5)));
        assert_eq!(sub_scalar((1, Some(2)), 3), (0, Some(0)));
        assert_eq!(sub_scalar((5, None), 3), (2, None));
    }

    #[test]
    fn add_sums_the_bounds_and_an_unbounded_side_is_unbounded() {
        assert_eq!(add((1, Some(2)), (3, Some(4))), (4, Some(6)));
        assert_eq!(add((1, Some(2)), (3, None)), (4, None));
        assert_eq!(add((1, None), (3, Some(4))), (4, None));
        assert_eq!(
            add((usize::MAX, Some(usize::MAX)), (1, Some(1))),
            (usize::MAX, None)
        );
    }

    #[test]
    fn div_ceil_rounds_both_bounds_up() {
        assert_eq!(div_ceil((0, Some(0)), 3), (0, Some(0)));
        assert_eq!(div_ceil((1, Some(3)), 3), (1, Some(1)));
        assert_eq!(div_ceil((4, Some(7)), 3), (2, Some(3)));
        assert_eq!(div_ceil((usize::MAX, None), 2), (usize::MAX / 2 + 1, None));
        assert_eq!(at_most((4, Some(7))), (0, Some(7)));
    }
}
