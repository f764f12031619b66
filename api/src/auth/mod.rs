//! Who is asking: access tokens (and, as issue 3 continues, sessions,
//! viewers and the policy that decides what they may do).

pub mod tokens;
