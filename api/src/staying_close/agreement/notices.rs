//! The words of the notification sharing a plan sends the young person
//! (`service::share`); the generic notification email template
//! (`templates/email/notification.*`) carries them by email.

/// Title of the notification telling the young person a version of their
/// plan is shared for them to agree.
pub(super) const PLAN_SHARED_TITLE: &str = "Your plan is ready for you to look at";

/// Body of that notification.
pub(super) const PLAN_SHARED_BODY: &str = "Your Staying Close plan has been updated. Have a look \
     and say whether you agree. You can add your own words.";
