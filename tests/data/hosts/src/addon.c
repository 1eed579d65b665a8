/* A Node-API addon (node-api-headers): NAPI_MODULE_INIT exports napi_register_module_v1; with -DWITH_DEP it also
 * imports libdep.dll. */
#include <node_api.h>

#ifdef WITH_DEP
__declspec(dllimport) int dep_answer(void); /* libdep.dll: a library the addon needs that is not Node's */
#define ANSWER dep_answer()
#else
#define ANSWER 42
#endif

NAPI_MODULE_INIT() {
    napi_value answer;
    if (napi_create_int32(env, ANSWER, &answer) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, "answer", answer) != napi_ok) return NULL;
    return exports;
}
