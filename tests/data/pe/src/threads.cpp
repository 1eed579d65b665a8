// C++ with std::thread: under MinGW's posix thread model this pulls in libstdc++, libgcc and
// libwinpthread unless they are linked statically.
#include <iostream>
#include <thread>
#include <vector>

int main() {
    std::vector<std::thread> pool;
    int sums[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; ++i)
        pool.emplace_back([i, &sums] { for (int k = 0; k <= 100 * (i + 1); ++k) sums[i] += k; });
    for (auto &t : pool) t.join();
    std::cout << "sums " << sums[0] << " " << sums[1] << " " << sums[2] << " " << sums[3] << std::endl;
    return 0;
}
