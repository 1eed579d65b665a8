// C++ program using std::string and iostream so it needs GLIBCXX_/CXXABI_ versions.
#include <iostream>
#include <string>

int main(int argc, char **argv)
{
    std::string who = argc > 1 ? argv[1] : "world";
    std::cout << "hello, " << who << " (" << who.size() << ")" << std::endl;
    return 0;
}
