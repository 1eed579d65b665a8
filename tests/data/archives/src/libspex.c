int spex_answer(void) { return 42; }
