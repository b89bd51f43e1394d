using System.Text.Json;
using AgentGateway.Engine.Mcp.Calls;

namespace AgentGateway.Engine.Tests.Mcp.Calls;

/// <summary>A completion/complete answer is server text: only plain string values, none with control or bidi characters, each cut off at a length, at most 100.</summary>
public sealed class McpCompletionTests
{
    [Fact]
    public void Takes_the_string_values_in_order_and_leaves_out_unsafe_ones()
    {
        var result = JsonDocument.Parse("""{"completion":{"values":["Lisbon","Lon\u001b[2Jdon",7,"","Ly\u202Eon","Paris 🌍"],"hasMore":false}}""").RootElement;

        Assert.Equal(["Lisbon", "Paris 🌍"], McpCompletion.Values(result));
    }

    [Fact]
    public void Takes_at_most_100_values_of_at_most_1000_characters()
    {
        var values = Enumerable.Range(0, 150).Select(i => i == 0 ? new string('x', 1001) : $"v{i}").ToArray();
        var result = JsonSerializer.SerializeToElement(new { completion = new { values } });

        var taken = McpCompletion.Values(result);

        Assert.Equal(100, taken.Count);
        Assert.Equal("v1", taken[0]);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("""{"completion":null}""")]
    [InlineData("""{"completion":{"values":"Lisbon"}}""")]
    [InlineData("[]")]
    public void An_answer_without_a_list_of_values_offers_none(string json) =>
        Assert.Empty(McpCompletion.Values(JsonDocument.Parse(json).RootElement));
}
