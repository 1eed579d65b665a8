// Needs libstdc++ and libgcc_s, with the GLIBCXX versions of the build host's g++.
#include <iostream>
#include <string>
#include <vector>
int main() { std::vector<std::string> words{"hello", "from", "c++"}; for (const auto &w : words) std::cout << w << '\n'; return 0; }
