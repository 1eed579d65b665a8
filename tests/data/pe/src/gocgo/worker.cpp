// The C++ half of the cgo fixture: one std::thread, so libstdc++ (and winpthreads) are needed at run time.
#include <thread>

extern "C" int run_worker(void) {
    int v = 0;
    std::thread t([&v] { v = 42; });
    t.join();
    return v;
}
