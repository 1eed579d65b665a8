/* A loadable bundle (MH_BUNDLE), the shape of a Python extension module or a plug-in on macOS. */
int plugin_entry(int x) { return x * 2; }
