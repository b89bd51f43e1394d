using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.Tests.Mcp.Tools;

public class ArgumentJsonTests
{
    private enum Color
    {
        Red,
        Green,
    }

    private sealed class Address
    {
        public string Street { get; set; } = "Main 1";

        public int Number { get; set; } = 7;

        public string[] Tags { get; set; } = ["a", "b"];

        public string this[int i] => i.ToString(System.Globalization.CultureInfo.InvariantCulture);

        internal string Hidden { get; set; } = "no";
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }

    [Fact]
    public void Scalars_are_written_as_a_user_expects()
    {
        Assert.Equal("null", ArgumentJson.Serialize(null));
        Assert.Equal("\"x\"", ArgumentJson.Serialize("x"));
        Assert.Equal("true", ArgumentJson.Serialize(true));
        Assert.Equal("42", ArgumentJson.Serialize(42));
        Assert.Equal("42", ArgumentJson.Serialize((byte)42));
        Assert.Equal("-9000000000", ArgumentJson.Serialize(-9_000_000_000L));
        Assert.Equal("1.5", ArgumentJson.Serialize(1.5));
        Assert.Equal("1.25", ArgumentJson.Serialize(1.25m));
        Assert.Equal("123456789012345678901234567890", ArgumentJson.Serialize(System.Numerics.BigInteger.Parse("123456789012345678901234567890", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("\"NaN\"", ArgumentJson.Serialize(double.NaN));
        Assert.Equal("\"c\"", ArgumentJson.Serialize('c'));
    }

    [Fact]
    public void Dates_guids_enums_and_times_become_strings()
    {
        Assert.Equal("\"2026-03-01T10:20:30.0000000Z\"", ArgumentJson.Serialize(new DateTime(2026, 3, 1, 10, 20, 30, DateTimeKind.Utc)));
        Assert.Equal("\"2026-03-01T10:20:30.0000000+02:00\"", ArgumentJson.Serialize(new DateTimeOffset(2026, 3, 1, 10, 20, 30, TimeSpan.FromHours(2))));
        Assert.Equal("\"2026-03-01\"", ArgumentJson.Serialize(new DateOnly(2026, 3, 1)));
        Assert.Equal("\"01:02:03\"", ArgumentJson.Serialize(new TimeSpan(1, 2, 3)));
        Assert.Equal("\"Green\"", ArgumentJson.Serialize(Color.Green));
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Equal("\"0f8fad5b-d9cb-469f-a165-70867728950e\"", ArgumentJson.Serialize(guid));
        Assert.Equal("\"https://x.example/a?b=1\"", ArgumentJson.Serialize(new Uri("https://x.example/a?b=1")));
    }

    [Fact]
    public void Dictionaries_become_objects_and_enumerables_arrays()
    {
        var table = new Hashtable { ["name"] = "n", [42] = new[] { 1, 2 } };
        var json = JsonNode.Parse(ArgumentJson.Serialize(table))!.AsObject();
        Assert.Equal("n", json["name"]!.GetValue<string>());
        Assert.Equal(2, json["42"]!.AsArray().Count);

        Assert.Equal("{\"a\":1}", ArgumentJson.Serialize(new Dictionary<string, int> { ["a"] = 1 }));
        Assert.Equal("[1,\"two\",null]", ArgumentJson.Serialize(new ArrayList { 1, "two", null }));
        Assert.Equal("[1,2,3]", ArgumentJson.Serialize(Enumerable.Range(1, 3)));
        Assert.Equal("\"AQID\"", ArgumentJson.Serialize(new byte[] { 1, 2, 3 }));
        var expando = new System.Dynamic.ExpandoObject() as IDictionary<string, object?>;
        expando["k"] = "v";
        Assert.Equal("{\"k\":\"v\"}", ArgumentJson.Serialize(expando));
    }

    [Fact]
    public void Other_objects_are_written_by_their_public_properties()
    {
        Assert.Equal("{\"Street\":\"Main 1\",\"Number\":7,\"Tags\":[\"a\",\"b\"]}", ArgumentJson.Serialize(new Address()));
        Assert.Equal("{\"X\":1,\"Y\":\"y\"}", ArgumentJson.Serialize(new { X = 1, Y = "y" }));
    }

    [Fact]
    public void Json_values_pass_through_unchanged()
    {
        using var doc = JsonDocument.Parse("{\"a\":[1,{\"b\":null}]}");
        Assert.Equal("{\"a\":[1,{\"b\":null}]}", ArgumentJson.Serialize(doc.RootElement));
        Assert.Equal("{\"z\":true}", ArgumentJson.Serialize(new JsonObject { ["z"] = true }));
    }

    [Fact]
    public void Builds_the_arguments_object_of_a_call()
    {
        var args = ArgumentJson.ToJsonObject(new Dictionary<string, object?>
        {
            ["name"] = "x",
            ["count"] = 3,
            ["when"] = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ["nested"] = new Dictionary<string, object?> { ["list"] = new List<object?> { 1.5, false } },
        });
        Assert.Equal("x", args["name"]!.GetValue<string>());
        Assert.Equal(3, args["count"]!.GetValue<int>());
        Assert.Equal("2026-01-02T03:04:05.0000000+00:00", args["when"]!.GetValue<string>());
        Assert.Equal(1.5, args["nested"]!["list"]![0]!.GetValue<double>());
        Assert.False(args["nested"]!["list"]![1]!.GetValue<bool>());
        Assert.Empty(ArgumentJson.ToJsonObject(null));
    }

    [Fact]
    public void A_cycle_is_refused_with_a_clear_error()
    {
        var node = new Node();
        node.Next = node;
        var e = Assert.Throws<ArgumentException>(() => ArgumentJson.Serialize(node));
        Assert.Contains("nested", e.Message, StringComparison.Ordinal);
    }
}
