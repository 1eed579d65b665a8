/* A Node-API addon that registers itself from a constructor, as node-addon-api's NODE_API_MODULE and
 * node-gyp-build's older prebuilds do (napi_module_register, node_api.h's NAPI_MODULE before NAPI_MODULE_INIT):
 * it exports no napi_register_module_v1 and leaves the napi_* functions undefined for node to define. The
 * declarations follow node_api.h / js_native_api.h (Node-API 1). */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef enum { napi_ok } napi_status;
typedef napi_value (*napi_addon_register_func)(napi_env env, napi_value exports);
typedef struct napi_module {
    int nm_version;
    unsigned int nm_flags;
    const char *nm_filename;
    napi_addon_register_func nm_register_func;
    const char *nm_modname;
    void *nm_priv;
    void *reserved[4];
} napi_module;

extern void napi_module_register(napi_module *mod);
extern napi_status napi_create_int32(napi_env env, int value, napi_value *result);
extern napi_status napi_set_named_property(napi_env env, napi_value object, const char *utf8name, napi_value value);

static napi_value init(napi_env env, napi_value exports) {
    napi_value answer;
    if (napi_create_int32(env, 42, &answer) != napi_ok) return 0;
    if (napi_set_named_property(env, exports, "answer", answer) != napi_ok) return 0;
    return exports;
}

static napi_module module = {1, 0, "looseaddon.c", init, "looseaddon", 0, {0}};

__attribute__((constructor)) static void register_module(void) { napi_module_register(&module); }
