#pragma once
// Internal: Eigen values as JSON (NaN becomes null), shared by the result writers.

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <vector>

namespace pgtruth::detail {

using OrderedJson = nlohmann::ordered_json;

inline OrderedJson vector_json(const Eigen::VectorXd& x) {
  return OrderedJson(std::vector<double>(x.data(), x.data() + x.size()));
}

/// An array of rows.
inline OrderedJson matrix_json(const Eigen::MatrixXd& M) {
  OrderedJson rows = OrderedJson::array();
  for (Eigen::Index i = 0; i < M.rows(); ++i) rows.push_back(vector_json(M.row(i).transpose()));
  return rows;
}

}  // namespace pgtruth::detail
