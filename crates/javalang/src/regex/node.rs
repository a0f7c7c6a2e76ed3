//! The node graph `Pattern` compiles to (one variant per Java node class that matters), and
//! `Node.study`, which decides look-behind bounds and how a repeated group is matched.

/// Index of a node in `Program::nodes`.
pub(super) type NodeId = u32;

/// No node (Java's `null`), and "unset" for positions and locals (Java's -1).
pub(super) const NONE: u32 = u32::MAX;
/// `Pattern.accept`: ends a sub-match (atom of a quantifier, look-around condition).
pub(super) const ACCEPT: NodeId = 0;
/// `Pattern.lastAccept`: ends the whole pattern.
pub(super) const LAST_ACCEPT: NodeId = 1;
/// `LookBehindEndNode.INSTANCE`.
pub(super) const LOOKBEHIND_END: NodeId = 2;

/// `Integer.MAX_VALUE`, the bound of `*`, `+` and `{n,}`.
pub(super) const MAX_REPS: u32 = 0x7FFF_FFFF;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Qtype {
    Greedy,
    Lazy,
    Possessive,
    Independent,
}

/// How a literal slice compares characters: exactly, ASCII case-insensitively (`SliceI`), or
/// with Unicode case folding (`SliceU`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fold {
    Exact,
    Ascii,
    Unicode,
}

/// `Bound` types.
pub(super) const BOUND_LEFT: u8 = 1;
pub(super) const BOUND_RIGHT: u8 = 2;
pub(super) const BOUND_BOTH: u8 = 3;
pub(super) const BOUND_NONE: u8 = 4;

#[derive(Clone, Debug)]
pub(super) enum Kind {
    Accept,
    LastAccept,
    LookBehindEnd,
    Begin,
    End,
    Caret,
    UnixCaret,
    LastMatch,
    Dollar {
        multiline: bool,
    },
    UnixDollar {
        multiline: bool,
    },
    LineEnding,
    /// `CharProperty` / `BmpCharProperty`: `set` indexes `Program::sets`.
    CharProperty {
        set: u32,
    },
    /// `utf8` is the slice's text when it can be compared byte-wise.
    Slice {
        chars: Box<[u32]>,
        fold: Fold,
        utf8: Option<Box<[u8]>>,
    },
    Ques {
        atom: NodeId,
        qtype: Qtype,
    },
    /// `CharPropertyGreedy`: `set*`, `set+`, `set{n,}`.
    Greedy {
        set: u32,
        cmin: u32,
        follow: Follow,
    },
    Curly {
        atom: NodeId,
        qtype: Qtype,
        cmin: u32,
        cmax: u32,
    },
    /// `group` is Java's `groupIndex` (twice the group number).
    GroupCurly {
        atom: NodeId,
        qtype: Qtype,
        cmin: u32,
        cmax: u32,
        local: u32,
        group: u32,
        capture: bool,
    },
    BranchConn,
    /// `atoms` holds NONE for an empty alternative.
    Branch {
        atoms: Vec<NodeId>,
        conn: NodeId,
    },
    GroupHead {
        local: u32,
    },
    GroupTail {
        local: u32,
        group: u32,
    },
    Prolog {
        body_loop: NodeId,
    },
    /// `Loop` / `LazyLoop`; `memo` is Java's `posIndex` (NONE for -1).
    Loop {
        body: NodeId,
        count: u32,
        begin: u32,
        cmin: u32,
        cmax: u32,
        memo: u32,
        lazy: bool,
    },
    BackRef {
        group: u32,
    },
    /// `CIBackRef`; `unicode` is its `doUnicodeCase`.
    CiBackRef {
        group: u32,
        unicode: bool,
    },
    Pos {
        cond: NodeId,
    },
    Neg {
        cond: NodeId,
    },
    /// `Behind`, `BehindS`, `NotBehind`, `NotBehindS`.
    Behind {
        cond: NodeId,
        rmax: i32,
        rmin: i32,
        supp: bool,
        negate: bool,
    },
    Bound {
        kind: u8,
        unicode: bool,
    },
}

/// What the nodes after a `Greedy` need first, so that backing off can skip the positions
/// where they would fail at once (an optimization: such attempts have no side effects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Follow {
    Any,
    Set(u32),
    Char(u32),
}

/// The `Follow` of the node `n`: looks through group bounds to the first consuming node.
/// The tail of a `GroupCurly` atom is not looked through: there Java's `GroupTail` succeeds
/// without calling on.
pub(super) fn follow(nodes: &[Node], mut n: NodeId, curly_locals: &[u32]) -> Follow {
    for _ in 0..64 {
        let node = &nodes[n as usize];
        match &node.kind {
            Kind::GroupHead { .. } | Kind::BranchConn => {}
            Kind::GroupTail { local, .. } if !curly_locals.contains(local) => {}
            Kind::CharProperty { set } => return Follow::Set(*set),
            Kind::Slice {
                chars,
                fold: Fold::Exact,
                ..
            } if !chars.is_empty() => return Follow::Char(chars[0]),
            _ => return Follow::Any,
        }
        n = node.next;
    }
    Follow::Any
}

#[derive(Clone, Debug)]
pub(super) struct Node {
    pub kind: Kind,
    pub next: NodeId,
}

/// `Pattern.TreeInfo`, with Java's `int` arithmetic (it wraps, and Java relies on that).
#[derive(Clone, Copy, Debug)]
pub(super) struct TreeInfo {
    pub min: i32,
    pub max: i32,
    pub max_valid: bool,
    pub det: bool,
}

impl TreeInfo {
    pub fn new() -> TreeInfo {
        TreeInfo {
            min: 0,
            max: 0,
            max_valid: true,
            det: true,
        }
    }
}

/// `node.study(info)`. Java's return value always equals `info.deterministic` afterwards,
/// so only `info` is updated. Follows `next` iteratively; recursion is only into nested
/// structures, bounded by the pattern's nesting.
pub(super) fn study(nodes: &[Node], mut n: NodeId, info: &mut TreeInfo) {
    loop {
        if n == NONE {
            return;
        }
        let node = &nodes[n as usize];
        match &node.kind {
            Kind::Accept | Kind::BranchConn => return,
            Kind::LineEnding => {
                info.min = info.min.wrapping_add(1);
                info.max = info.max.wrapping_add(2);
            }
            Kind::CharProperty { .. } => {
                info.min = info.min.wrapping_add(1);
                info.max = info.max.wrapping_add(1);
            }
            Kind::Slice { chars, .. } => {
                info.min = info.min.wrapping_add(chars.len() as i32);
                info.max = info.max.wrapping_add(chars.len() as i32);
            }
            Kind::Ques { atom, qtype } => {
                if *qtype == Qtype::Independent {
                    study(nodes, *atom, info);
                } else {
                    let min = info.min;
                    study(nodes, *atom, info);
                    info.min = min;
                    info.det = false;
                }
            }
            Kind::Greedy { cmin, .. } => {
                info.min = info.min.wrapping_add(*cmin as i32);
                if info.max_valid {
                    info.max = info.max.wrapping_add(MAX_REPS as i32);
                }
                info.det = false;
            }
            Kind::Curly { atom, cmin, cmax, .. } | Kind::GroupCurly { atom, cmin, cmax, .. } => {
                study_repeat(nodes, *atom, *cmin as i32, *cmax as i32, info);
            }
            Kind::Branch { atoms, conn } => {
                let (mut min, mut max, mut max_valid) = (info.min, info.max, info.max_valid);
                let (mut min2, mut max2) = (i32::MAX, -1i32);
                for &a in atoms {
                    *info = TreeInfo::new();
                    study(nodes, a, info);
                    min2 = min2.min(info.min);
                    max2 = max2.max(info.max);
                    max_valid &= info.max_valid;
                }
                min = min.wrapping_add(min2);
                max = max.wrapping_add(max2);
                *info = TreeInfo::new();
                study(nodes, nodes[*conn as usize].next, info);
                info.min = info.min.wrapping_add(min);
                info.max = info.max.wrapping_add(max);
                info.max_valid &= max_valid;
                info.det = false;
                return;
            }
            Kind::Prolog { .. } | Kind::Loop { .. } => {
                info.max_valid = false;
                info.det = false;
                return;
            }
            Kind::BackRef { .. } | Kind::CiBackRef { .. } => info.max_valid = false,
            _ => {}
        }
        n = node.next;
    }
}

fn study_repeat(nodes: &[Node], atom: NodeId, cmin: i32, cmax: i32, info: &mut TreeInfo) {
    let saved = *info;
    *info = TreeInfo::new();
    study(nodes, atom, info);
    let mut temp = info.min.wrapping_mul(cmin).wrapping_add(saved.min);
    if temp < saved.min {
        temp = 0xFFF_FFFF;
    }
    info.min = temp;
    if saved.max_valid & info.max_valid {
        let temp = info.max.wrapping_mul(cmax).wrapping_add(saved.max);
        info.max = temp;
        if temp < saved.max {
            info.max_valid = false;
        }
    } else {
        info.max_valid = false;
    }
    info.det = if info.det && cmin == cmax { saved.det } else { false };
}
