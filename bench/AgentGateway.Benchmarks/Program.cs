using AgentGateway.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AgentGateway.Benchmarks -- --filter '*'
// Results (Markdown + JSON) land in bench/results/engine/results/.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
