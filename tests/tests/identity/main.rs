//! Identity and access, as one test binary: who you are (password and
//! emailed-code sign-in, sessions and the attacks on them), which
//! third-party clients may act and how far, and what each role may see
//! (the cross-domain access matrix and the audit trail reads leave). One
//! module per capability; shared helpers live in `closeknit_tests`
//! (`tests/src/`).

mod access;
mod advocacy_access;
mod clients;
mod identity;
mod invitations;
mod matrix;
mod new_authority;
mod nodes;
mod onboarding;
mod organisations;
mod own_account;
mod passwords;
mod second_factor;
mod sign_in_codes;
mod sso;
mod staff;
mod training_access;
