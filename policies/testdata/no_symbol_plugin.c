/* Test fixture: a shared object that exports no policy table. */
int driftlab_not_a_policy(void);
int driftlab_not_a_policy(void) { return 42; }
