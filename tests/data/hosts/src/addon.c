/* A Node-API addon (node-api-headers): NAPI_MODULE_INIT exports napi_register_module_v1. */
#include <node_api.h>

NAPI_MODULE_INIT() {
    napi_value answer;
    if (napi_create_int32(env, 42, &answer) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, "answer", answer) != napi_ok) return NULL;
    return exports;
}
