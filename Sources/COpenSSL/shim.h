#ifndef SYNCNODE_COPENSSL_SHIM_H
#define SYNCNODE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/asn1.h>

/* OpenSSL 3 macros and variadic functions, as typed functions Swift can call. */
static inline int shim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int shim_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline long shim_SSL_CTX_set_options(SSL_CTX *ctx, long options) { return (long)SSL_CTX_set_options(ctx, (uint64_t)options); }
static inline long shim_SSL_OP_NO_COMPRESSION(void) { return (long)SSL_OP_NO_COMPRESSION; }
static inline long shim_SSL_OP_NO_RENEGOTIATION(void) { return (long)SSL_OP_NO_RENEGOTIATION; }
static inline EVP_PKEY *shim_EVP_EC_gen_P256(void) { return EVP_EC_gen("P-256"); }
static inline long shim_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline int shim_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline GENERAL_NAME *shim_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int i) { return sk_GENERAL_NAME_value(names, i); }
static inline void shim_X509V3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }
static inline int shim_SSL_CTX_set_app_data(SSL_CTX *ctx, void *data) { return SSL_CTX_set_app_data(ctx, data); }
static inline void *shim_SSL_CTX_get_app_data(const SSL_CTX *ctx) { return SSL_CTX_get_app_data(ctx); }
static inline int shim_GEN_URI(void) { return GEN_URI; }
static inline int shim_GEN_DNS(void) { return GEN_DNS; }
static inline int shim_GEN_IPADD(void) { return GEN_IPADD; }
static inline const unsigned char *shim_GENERAL_NAME_uri(const GENERAL_NAME *name) {
    return ASN1_STRING_get0_data(name->d.uniformResourceIdentifier);
}
static inline int shim_GENERAL_NAME_uri_length(const GENERAL_NAME *name) {
    return ASN1_STRING_length(name->d.uniformResourceIdentifier);
}
static inline STACK_OF(X509_NAME) *shim_SSL_load_client_CA_file(const char *file) { return SSL_load_client_CA_file(file); }
static inline void shim_SSL_CTX_set_client_CA_list(SSL_CTX *ctx, STACK_OF(X509_NAME) *list) { SSL_CTX_set_client_CA_list(ctx, list); }
/* Session resumption off: every connection is verified in full (expiry, revocation). */
static inline long shim_SSL_CTX_disable_resumption(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}
static inline int shim_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *s) { return sk_X509_REVOKED_num(s); }
static inline X509_REVOKED *shim_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *s, int i) { return sk_X509_REVOKED_value(s, i); }
static inline int shim_X509_V_ERR_APPLICATION_VERIFICATION(void) { return X509_V_ERR_APPLICATION_VERIFICATION; }
static inline int shim_X509_V_ERR_CERT_REVOKED(void) { return X509_V_ERR_CERT_REVOKED; }
static inline unsigned long shim_X509_V_FLAG_CRL_CHECK(void) { return X509_V_FLAG_CRL_CHECK; }
#endif
