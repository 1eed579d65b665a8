/* Windows: a program importing helper.dll from its application directory. */
__declspec(dllimport) int helper(void);
int main(void) { return helper() == 42 ? 0 : 1; }
