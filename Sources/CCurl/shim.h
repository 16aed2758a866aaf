#ifndef SYNCNODE_CCURL_SHIM_H
#define SYNCNODE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: typed wrappers. */
static inline CURLcode shim_curl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode shim_curl_setopt_ptr(CURL *c, CURLoption o, const void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode shim_curl_setopt_off(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }

typedef size_t (*shim_curl_write_cb)(char *, size_t, size_t, void *);
static inline CURLcode shim_curl_setopt_write(CURL *c, CURLoption o, shim_curl_write_cb cb) { return curl_easy_setopt(c, o, cb); }

typedef CURLcode (*shim_curl_ssl_ctx_cb)(CURL *, void *, void *);
static inline CURLcode shim_curl_setopt_ssl_ctx(CURL *c, shim_curl_ssl_ctx_cb cb) { return curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, cb); }

static inline CURLcode shim_curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode shim_curl_getinfo_double(CURL *c, CURLINFO i, double *v) { return curl_easy_getinfo(c, i, v); }
#endif
