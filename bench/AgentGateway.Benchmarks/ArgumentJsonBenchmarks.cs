using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentGateway.Engine.Mcp.Tools;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AgentGateway.Benchmarks;

/// <summary>
/// Tool arguments to JSON, as a script author hands them in: a small flat dictionary, and a nested one
/// (dictionaries, lists, dates, enums, decimals). Per shape:
/// <list type="bullet">
/// <item>baseline: <c>ToJsonString()</c> of an equivalent JsonObject built beforehand (serialization only);</item>
/// <item>a source-generated DTO with the same JSON (the fastest System.Text.Json can do);</item>
/// <item><c>ArgumentJson.Serialize</c>: the object graph straight to JSON text;</item>
/// <item>the engine's call path, <c>ArgumentJson.ToJsonObject(args).ToJsonString()</c>, which is what
/// <c>McpGatewayClient.CallToolAsync</c> does (write, parse into a JsonObject, write again).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ArgumentJsonBenchmarks
{
    // Full tick precision, as Get-Date gives: then "O" and System.Text.Json write the same text.
    private static readonly DateTimeOffset s_since = new DateTimeOffset(2026, 2, 1, 8, 30, 0, TimeSpan.Zero).AddTicks(1234567);
    private static readonly DateTime s_due = new DateTime(2026, 3, 15, 17, 0, 0, DateTimeKind.Utc).AddTicks(7654321);

    private Dictionary<string, object?> _flat = null!;
    private Dictionary<string, object?> _nested = null!;
    private JsonObject _flatNode = null!;
    private JsonObject _nestedNode = null!;
    private FlatArgs _flatDto = null!;
    private NestedArgs _nestedDto = null!;

    public enum Priority
    {
        Low,
        Normal,
        High,
    }

    [GlobalSetup]
    public void Setup()
    {
        _flat = new Dictionary<string, object?>
        {
            ["query"] = "status:open owner:alice",
            ["limit"] = 50,
            ["includeClosed"] = false,
            ["owner"] = "alice@example.com",
            ["threshold"] = 0.75,
        };
        _flatNode = new JsonObject
        {
            ["query"] = "status:open owner:alice",
            ["limit"] = 50,
            ["includeClosed"] = false,
            ["owner"] = "alice@example.com",
            ["threshold"] = 0.75,
        };
        _flatDto = new FlatArgs("status:open owner:alice", 50, false, "alice@example.com", 0.75);

        _nested = new Dictionary<string, object?>
        {
            ["customer"] = "ACME-0042",
            ["filter"] = new Dictionary<string, object?>
            {
                ["priority"] = Priority.High,
                ["since"] = s_since,
                ["tags"] = new List<string> { "urgent", "billing", "eu" },
            },
            ["items"] = new List<object?>
            {
                new Dictionary<string, object?> { ["sku"] = "A-100", ["quantity"] = 3, ["price"] = 19.99m, ["due"] = s_due },
                new Dictionary<string, object?> { ["sku"] = "B-200", ["quantity"] = 1, ["price"] = 249.00m, ["due"] = s_due },
                new Dictionary<string, object?> { ["sku"] = "C-300", ["quantity"] = 12, ["price"] = 4.50m, ["due"] = s_due },
            },
            ["dryRun"] = true,
            ["note"] = null,
        };
        _nestedNode = JsonNode.Parse(ArgumentJson.Serialize(_nested))!.AsObject();
        _nestedDto = new NestedArgs(
            "ACME-0042",
            new Filter(Priority.High, s_since, ["urgent", "billing", "eu"]),
            [new Item("A-100", 3, 19.99m, s_due), new Item("B-200", 1, 249.00m, s_due), new Item("C-300", 12, 4.50m, s_due)],
            true,
            null);

        // The four ways must produce the same JSON, or the comparison means nothing.
        Same(Flat_JsonObject_ToJsonString(), Flat_SourceGenDto(), Flat_ArgumentJson_Serialize(), Flat_EnginePath_ToJsonObject_ToJsonString());
        Same(Nested_JsonObject_ToJsonString(), Nested_SourceGenDto(), Nested_ArgumentJson_Serialize(), Nested_EnginePath_ToJsonObject_ToJsonString());
    }

    [BenchmarkCategory("Flat"), Benchmark(Baseline = true)]
    public string Flat_JsonObject_ToJsonString() => _flatNode.ToJsonString();

    [BenchmarkCategory("Flat"), Benchmark]
    public string Flat_SourceGenDto() => JsonSerializer.Serialize(_flatDto, BenchJsonContext.Default.FlatArgs);

    [BenchmarkCategory("Flat"), Benchmark]
    public string Flat_ArgumentJson_Serialize() => ArgumentJson.Serialize(_flat);

    [BenchmarkCategory("Flat"), Benchmark]
    public string Flat_EnginePath_ToJsonObject_ToJsonString() => ArgumentJson.ToJsonObject(_flat).DeepClone().ToJsonString();

    [BenchmarkCategory("Nested"), Benchmark(Baseline = true)]
    public string Nested_JsonObject_ToJsonString() => _nestedNode.ToJsonString();

    [BenchmarkCategory("Nested"), Benchmark]
    public string Nested_SourceGenDto() => JsonSerializer.Serialize(_nestedDto, BenchJsonContext.Default.NestedArgs);

    [BenchmarkCategory("Nested"), Benchmark]
    public string Nested_ArgumentJson_Serialize() => ArgumentJson.Serialize(_nested);

    [BenchmarkCategory("Nested"), Benchmark]
    public string Nested_EnginePath_ToJsonObject_ToJsonString() => ArgumentJson.ToJsonObject(_nested).DeepClone().ToJsonString();

    private static void Same(params string[] json)
    {
        var expected = JsonNode.Parse(json[0]);
        foreach (var other in json.Skip(1))
        {
            if (!JsonNode.DeepEquals(expected, JsonNode.Parse(other)))
            {
                throw new InvalidOperationException($"Not the same JSON:\n{json[0]}\n{other}");
            }
        }
    }
}

public sealed record FlatArgs(string Query, int Limit, bool IncludeClosed, string Owner, double Threshold);

public sealed record Filter(ArgumentJsonBenchmarks.Priority Priority, DateTimeOffset Since, List<string> Tags);

public sealed record Item(string Sku, int Quantity, decimal Price, DateTime Due);

public sealed record NestedArgs(string Customer, Filter Filter, List<Item> Items, bool DryRun, string? Note);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(FlatArgs))]
[JsonSerializable(typeof(NestedArgs))]
internal sealed partial class BenchJsonContext : JsonSerializerContext
{
}
