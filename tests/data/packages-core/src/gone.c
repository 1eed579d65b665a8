/* libgone: linked against, never shipped: the need nobody provides. */
int gone(void) { return 1; }
