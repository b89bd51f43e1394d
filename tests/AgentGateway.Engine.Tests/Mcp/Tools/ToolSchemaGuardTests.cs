using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.Tests.Mcp.Tools;

/// <summary>
/// Schemas a hostile server can list, refused from their JSON before JsonSchema.Net sees them: a $ref loop there
/// overflows the stack and ends the process (exit 134), so each of these tests would crash the test host without
/// the guard (the last assertion of each sends the schema to the validator).
/// </summary>
public class ToolSchemaGuardTests
{
    public static TheoryData<string, string> Loops() => new()
    {
        { """{"$ref":"#"}""", "its $ref '#' at '#' leads back to where it started without going into the arguments, a loop without end" },
        { """{"type":"object","$ref":"#"}""", "its $ref '#' at '#' leads back" },
        { """{"type":"object","allOf":[{"$ref":"#"}]}""", "its $ref '#' at '#/allOf/0' leads back" },
        { """{"type":"object","anyOf":[{"type":"string"},{"not":{"$ref":"#"}}]}""", "its $ref '#' at '#/anyOf/1/not' leads back" },
        { """{"type":"object","$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"properties":{"x":{"$ref":"#/$defs/a"}}}""", "leads back" },
        { """{"type":"object","definitions":{"a":{"if":{"$ref":"#/definitions/a"}}},"properties":{"x":{"items":{"$ref":"#/definitions/a"}}}}""", "its $ref '#/definitions/a' at '#/definitions/a/if' leads back" },
        { """{"type":"object","$defs":{"a":{"$anchor":"here","allOf":[{"$ref":"#here"}]}},"$ref":"#here"}""", "leads back" },
        { """{"type":"object","$dynamicAnchor":"meta","anyOf":[{"$dynamicRef":"#meta"}]}""", "its $dynamicRef '#meta' at '#/anyOf/0' leads back" },
        { """{"type":"object","$recursiveAnchor":true,"oneOf":[{"$recursiveRef":"#"}]}""", "its $recursiveRef '#' at '#/oneOf/0' leads back" },
        { """{"type":"object","dependentSchemas":{"a":{"$ref":"#"}}}""", "leads back" },
    };

    [Theory]
    [MemberData(nameof(Loops))]
    public void A_loop_that_does_not_go_into_the_arguments_is_refused(string schema, string problem)
    {
        Assert.Contains(problem, ToolSchemaGuard.FindProblem(Parse(schema)), StringComparison.Ordinal);
        Assert.Equal(McpErrorKind.UnusableTool, Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.Validate(Parse(schema), new JsonObject { ["x"] = new JsonObject() })).Kind);
    }

    public static TheoryData<string> RecursiveSchemas() =>
    [
        // Loops that go into the value: each round consumes a level of the arguments.
        """{"type":"object","properties":{"child":{"$ref":"#"}}}""",
        """{"type":"object","$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"properties":{"root":{"$ref":"#/$defs/node"}}}""",
        """{"type":"object","additionalProperties":{"anyOf":[{"type":"string"},{"$ref":"#"}]}}""",
        """{"$id":"https://schemas.invalid/tree","type":"object","$dynamicAnchor":"node","properties":{"next":{"$dynamicRef":"#node"}}}""",
    ];

    [Theory]
    [MemberData(nameof(RecursiveSchemas))]
    public void A_recursive_schema_that_goes_into_the_arguments_is_fine(string schema)
    {
        Assert.Null(ToolSchemaGuard.FindProblem(Parse(schema)));

        // Checked (some of these arguments break some of these schemas: what matters is that the check ends).
        _ = ToolArgumentValidator.Validate(Parse(schema), JsonNode.Parse("""{"child":{"child":{}},"root":{"children":[{"children":[]}]},"next":{"next":{}}}""")!.AsObject());
    }

    [Fact]
    public void A_long_chain_of_references_is_refused_before_it_overflows_the_stack()
    {
        // Each $ref followed costs JsonSchema.Net about 3 KB of stack; 3,000 overflowed a thread of 8 MB.
        Assert.Equal("its subschemas, with their $refs followed, nest deeper than 64 levels", ToolSchemaGuard.FindProblem(Chain(3000, inPlace: true)));
        Assert.Equal("its subschemas, with their $refs followed, nest deeper than 64 levels", ToolSchemaGuard.FindProblem(Chain(3000, inPlace: false)));
        Assert.Null(ToolSchemaGuard.FindProblem(Chain(25, inPlace: false)));
        Assert.Null(ToolSchemaGuard.FindProblem(Chain(50, inPlace: true)));
        Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.Validate(Chain(3000, inPlace: false), []));
    }

    [Fact]
    public void References_that_multiply_the_schema_are_refused_before_they_take_minutes()
    {
        // 2^22 applications of one value took JsonSchema.Net more than a minute.
        var problem = ToolSchemaGuard.FindProblem(Doubling(22));

        Assert.Equal("its $refs multiply it into more than 2,000 subschemas for one value (at '#/$defs/d13')", problem);
        Assert.Null(ToolSchemaGuard.FindProblem(Doubling(8)));
        Assert.Equal("its $refs multiply it into more than 100,000 subschemas", ToolSchemaGuard.FindProblem(Fanning(20)));
    }

    [Fact]
    public void Json_nested_deeper_than_the_reader_takes_is_refused_without_recursion()
    {
        var text = new StringBuilder("""{"type":"object","default":""");
        text.Insert(text.Length, "[", 5000).Append(']', 5000).Append('}');
        using var document = JsonDocument.Parse(text.ToString(), new JsonDocumentOptions { MaxDepth = 6000 });

        Assert.Equal("its JSON nests deeper than 64 levels", ToolSchemaGuard.FindProblem(document.RootElement));
    }

    [Fact]
    public void A_reference_into_an_embedded_resource_is_resolved_in_that_resource()
    {
        var schema = Parse("""
            {"type":"object","properties":{"a":{"$ref":"#/$defs/inner"}},
             "$defs":{"inner":{"$id":"https://schemas.invalid/inner","$defs":{"x":{"type":"string"}},"properties":{"v":{"$ref":"#/$defs/x"}}}}}
            """);

        Assert.Null(ToolSchemaGuard.FindProblem(schema));
        var violation = Assert.Single(ToolArgumentValidator.Validate(schema, JsonNode.Parse("""{"a":{"v":1}}""")!.AsObject()));
        Assert.Equal("/a/v", violation.Path);
    }

    [Fact]
    public void Every_schema_of_the_validator_tests_is_fine()
    {
        Assert.Null(ToolSchemaGuard.FindProblem(Parse("""{"type":"object","properties":{"ref":{"$ref":"#/$defs/code"},"id":{"anyOf":[{"type":"string"},{"type":"integer"}]}},"$defs":{"code":{"type":"string"}}}""")));
        Assert.Null(ToolSchemaGuard.FindProblem(Parse("""{"type":"object","properties":{"count":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":"integer"}}}""")));
        Assert.Null(ToolSchemaGuard.FindProblem(Parse("""{"type":["object","null"],"properties":{"":{"type":"string"}}}""")));
        Assert.Null(ToolSchemaGuard.FindProblem(default));
    }

    /// <summary>A chain of <paramref name="length"/> definitions, each referring to the next (in place, or through a property).</summary>
    private static JsonElement Chain(int length, bool inPlace)
    {
        var defs = new JsonObject();
        for (var i = 0; i < length; i++)
        {
            var next = new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" };
            defs[$"d{i}"] = inPlace ? next : new JsonObject { ["properties"] = new JsonObject { ["x"] = next } };
        }

        defs[$"d{length}"] = new JsonObject { ["type"] = "string" };
        return Parse(new JsonObject { ["type"] = "object", ["$defs"] = defs, ["properties"] = new JsonObject { ["x"] = new JsonObject { ["$ref"] = "#/$defs/d0" } } }.ToJsonString());
    }

    /// <summary>Definitions each applying the next twice in place (allOf): 2^levels applications of one value.</summary>
    private static JsonElement Doubling(int levels)
    {
        var defs = new JsonObject();
        for (var i = 0; i < levels; i++)
        {
            defs[$"d{i}"] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" }, new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" }) };
        }

        defs[$"d{levels}"] = new JsonObject { ["type"] = "string" };
        return Parse(new JsonObject { ["type"] = "object", ["$defs"] = defs, ["properties"] = new JsonObject { ["x"] = new JsonObject { ["$ref"] = "#/$defs/d0" } } }.ToJsonString());
    }

    /// <summary>Definitions each with two properties of the next: 2^levels subschemas in all.</summary>
    private static JsonElement Fanning(int levels)
    {
        var defs = new JsonObject();
        for (var i = 0; i < levels; i++)
        {
            defs[$"d{i}"] = new JsonObject { ["properties"] = new JsonObject { ["a"] = new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" }, ["b"] = new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" } } };
        }

        defs[$"d{levels}"] = new JsonObject { ["type"] = "string" };
        return Parse(new JsonObject { ["type"] = "object", ["$defs"] = defs, ["$ref"] = "#/$defs/d0" }.ToJsonString());
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
