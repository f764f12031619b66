//! Plans themselves: who reads them, caseloads, starting and ending,
//! versions.

mod access;
mod caseload;
mod lifecycle;
mod nodes;
mod versions;
