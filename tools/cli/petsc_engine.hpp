#pragma once
// pgtruth solve FILE --engine petsc [--vectors FILE]: the finite-MDP solve on PETSc and MPI
// (docs/petsc.md), launched as `mpirun -n K pgtruth solve FILE --engine petsc`.

#include <ostream>
#include <string>

#include "cli/arguments.hpp"

namespace pgtruth::cli {

/// The options `solve` takes for this engine (added to its own).
inline const std::vector<OptionSpec> kPetscEngineOptions = {{"engine", true}, {"vectors", true}};

/// True for --engine petsc, false for --engine embedded or none; a UsageError for another
/// engine, or --vectors without --engine petsc.
bool wants_petsc_engine(const ParsedArguments& args);

/// Solves `file` on PETSc (every rank runs this; rank 0 prints). Exit 0, or 2 with one line on
/// stderr (bad input, an ill-posed problem, bad usage, or a pgtruth built without PETSc).
int run_petsc_engine(const ParsedArguments& args, const std::string& file, std::ostream& out, std::ostream& err);

}  // namespace pgtruth::cli
