#pragma once
// Internal: the LAPACK and SLICOT routines pgtruth calls (Debian's liblapack and libslicot,
// both gfortran-built: column-major arrays, 32-bit integers, and one trailing length
// argument per CHARACTER argument).

#include <cstddef>

extern "C" {

/// LAPACK DGEES: real Schur factorisation A = Z T Z'.
void dgees_(const char* jobvs, const char* sort, int (*select)(const double*, const double*), const int* n,
            double* a, const int* lda, int* sdim, double* wr, double* wi, double* vs, const int* ldvs,
            double* work, const int* lwork, int* bwork, int* info, std::size_t jobvs_len, std::size_t sort_len);

/// SLICOT SB03MD: op(A)' X op(A) - X = scale C (discrete) by the Bartels-Stewart / Barraud method.
void sb03md_(const char* dico, const char* job, const char* fact, const char* trana, const int* n, double* a,
             const int* lda, double* u, const int* ldu, double* c, const int* ldc, double* scale, double* sep,
             double* ferr, double* wr, double* wi, int* iwork, double* dwork, const int* ldwork, int* info,
             std::size_t dico_len, std::size_t job_len, std::size_t fact_len, std::size_t trana_len);

/// SLICOT SB02OD: continuous or discrete algebraic Riccati equation by deflating subspaces.
void sb02od_(const char* dico, const char* jobb, const char* fact, const char* uplo, const char* jobl,
             const char* sort, const int* n, const int* m, const int* p, const double* a, const int* lda,
             const double* b, const int* ldb, const double* q, const int* ldq, const double* r, const int* ldr,
             const double* l, const int* ldl, double* rcond, double* x, const int* ldx, double* alfar,
             double* alfai, double* beta, double* s, const int* lds, double* t, const int* ldt, double* u,
             const int* ldu, const double* tol, int* iwork, double* dwork, const int* ldwork, int* bwork,
             int* info, std::size_t dico_len, std::size_t jobb_len, std::size_t fact_len, std::size_t uplo_len,
             std::size_t jobl_len, std::size_t sort_len);
}
