// linkguard remedy fixture: a C++ program that needs libstdc++ symbol versions (GLIBCXX_*, CXXABI_*)
// when linked the default way: std::string, iostreams, exceptions and std::to_string.
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    std::vector<std::string> args(argv, argv + argc);
    try {
        if (args.size() > 3) throw std::runtime_error("too many arguments");
        std::cout << "linkguard-cxx-ok args=" << std::to_string(args.size()) << std::endl;
    } catch (const std::exception &e) {
        std::cerr << e.what() << std::endl;
        return 2;
    }
    return 0;
}
