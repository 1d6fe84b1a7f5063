"""The matmul peak of this host, for the pipeline benchmark's roofline.

Times 1024 x 1024 x 1024 matrix products in onnxruntime's CPU kernels (MLAS), the ones the
model runs on: fp32 MatMul, and MatMulInteger u8 x s8 (int8; VNNI where the CPU has it, AVX2
pair sums where it does not). Prints one JSON line: the median of 5 rounds of 10 products each,
in multiply-adds per second. Runs with the model build's venv (`<cache>/model-build/venv`),
which has onnxruntime and onnx: `python bench/matmul-peak.py --threads 2`.
"""

import argparse
import json
import statistics
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

SIZE = 1024


def session(op, a_type, b_type, y_type, threads):
    inputs = [
        helper.make_tensor_value_info("A", a_type, [SIZE, SIZE]),
        helper.make_tensor_value_info("B", b_type, [SIZE, SIZE]),
    ]
    output = helper.make_tensor_value_info("Y", y_type, [SIZE, SIZE])
    graph = helper.make_graph([helper.make_node(op, ["A", "B"], ["Y"])], "peak", inputs, [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    contenders = {
        "fp32": (
            session("MatMul", TensorProto.FLOAT, TensorProto.FLOAT, TensorProto.FLOAT, args.threads),
            {"A": rng.random((SIZE, SIZE), np.float32), "B": rng.random((SIZE, SIZE), np.float32)},
        ),
        "int8": (
            session("MatMulInteger", TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32, args.threads),
            {
                "A": rng.integers(0, 256, (SIZE, SIZE), dtype=np.uint8),
                "B": rng.integers(-127, 128, (SIZE, SIZE), dtype=np.int8),
            },
        ),
    }
    rounds = {name: [] for name in contenders}
    for _ in range(5):  # interleaved, so load from other work lands on both alike
        for name, (sess, feeds) in contenders.items():
            sess.run(None, feeds)
            started = time.perf_counter()
            for _ in range(10):
                sess.run(None, feeds)
            rounds[name].append(10 * SIZE**3 / (time.perf_counter() - started))
    print(json.dumps({f"{name}MacsPerSecond": statistics.median(r) for name, r in rounds.items()}))


if __name__ == "__main__":
    main()
