#pragma once
// pgtruth solve FILE --engine petsc [--vectors FILE]: the finite-MDP solve on PETSc and MPI
// (docs/petsc.md), launched as `mpirun -n K pgtruth solve FILE --engine petsc`.

#include <ostream>
#include <string>

#include <optional>

#include "pgtruth/memory_limit.hpp"

namespace pgtruth::cli {

/// What `solve` was asked for, as this engine reads it.
struct PetscEngineRequest {
  bool json = false;
  std::optional<std::string> keys;     ///< --keys as given
  bool solver_given = false;           ///< --solver (the embedded engine's; refused here)
  std::optional<std::string> vectors;  ///< --vectors FILE
  MemoryLimit memory;
};

/// An engine: solves `file` on PETSc (every rank runs it; rank 0 prints). Exit 0, or 2 with one
/// line on stderr (bad input, an ill-posed problem, bad usage).
using PetscEngine = int (*)(const PetscEngineRequest& request, const std::string& file, std::ostream& out,
                            std::ostream& err);

/// pgtruth-mpi registers the PETSc engine (petsc_engine_mpi.cpp) before it runs a command; the
/// plain pgtruth registers none, and so loads no MPI or PETSc library.
void set_petsc_engine(PetscEngine engine);

/// Runs the registered engine, or says (exit 2) that --engine petsc runs in pgtruth-mpi.
int run_petsc_engine(const PetscEngineRequest& request, const std::string& file, std::ostream& out, std::ostream& err);

/// The PETSc engine itself (in pgtruth-mpi only).
int run_on_petsc(const PetscEngineRequest& request, const std::string& file, std::ostream& out, std::ostream& err);

}  // namespace pgtruth::cli
