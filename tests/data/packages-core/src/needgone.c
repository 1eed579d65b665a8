/* A program whose libgone.so is nowhere in its package. */
int gone(void);
int main(void) { return gone(); }
