using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.Tests.Mcp.Tools;

public class ToolArgumentValidatorTests
{
    private const string Secret = "s3cr3t-Value";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "message": { "type": "string", "minLength": 2, "maxLength": 5, "pattern": "^a+$" },
            "count": { "type": "integer", "minimum": 1, "maximum": 10 },
            "ratio": { "type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5 },
            "flag": { "type": "boolean" },
            "nothing": { "type": "null" },
            "color": { "enum": ["red", "green"] },
            "mode": { "const": "fast" },
            "mail": { "type": "string", "format": "email" },
            "tags": { "type": "array", "items": { "type": "string" }, "minItems": 1, "maxItems": 3, "uniqueItems": true },
            "address": {
              "type": "object",
              "properties": { "zip": { "type": "string" }, "street": { "type": "string" } },
              "required": ["zip"],
              "additionalProperties": false
            },
            "points": { "type": "array", "items": { "type": "object", "properties": { "x": { "type": "integer", "minimum": 0 } }, "required": ["x"] } },
            "id": { "anyOf": [ { "type": "string" }, { "type": "integer" } ] },
            "choice": { "oneOf": [ { "type": "string" }, { "maxLength": 3 } ] },
            "other": { "not": { "type": "string" } },
            "ref": { "$ref": "#/$defs/code" },
            "a/b": { "type": "string" },
            "forbidden": false
          },
          "required": ["message", "count"],
          "additionalProperties": false,
          "$defs": { "code": { "type": "string", "maxLength": 2 } }
        }
        """;

    /// <summary>Arguments that satisfy <see cref="Schema"/>; each case below changes one thing.</summary>
    private const string Valid = """{"message":"aaa","count":3}""";

    public static TheoryData<string, string, string, string> Violations() => new()
    {
        // changed arguments (merged into Valid; null removes), expected Path, Rule, Message
        { """{"message":null}""", "/message", "required", "Required property 'message' is missing." },
        { """{"count":"three"}""", "/count", "type", "Property 'count' must be of type integer, but got string." },
        { """{"count":1.5}""", "/count", "type", "Property 'count' must be of type integer, but got number." },
        { """{"ratio":"x"}""", "/ratio", "type", "Property 'ratio' must be of type number, but got string." },
        { """{"message":7}""", "/message", "type", "Property 'message' must be of type string, but got integer." },
        { """{"flag":"yes"}""", "/flag", "type", "Property 'flag' must be of type boolean, but got string." },
        { """{"nothing":0}""", "/nothing", "type", "Property 'nothing' must be of type null, but got integer." },
        { """{"tags":"a"}""", "/tags", "type", "Property 'tags' must be of type array, but got string." },
        { """{"address":[]}""", "/address", "type", "Property 'address' must be of type object, but got array." },
        { """{"color":"blue"}""", "/color", "enum", "Property 'color' must be one of 'red', 'green' (got a different string)." },
        { """{"mode":"slow"}""", "/mode", "const", "Property 'mode' must be 'fast' (got a different string)." },
        { """{"count":0}""", "/count", "minimum", "Property 'count' must be at least 1." },
        { """{"count":11}""", "/count", "maximum", "Property 'count' must be at most 10." },
        { """{"ratio":0}""", "/ratio", "exclusiveMinimum", "Property 'ratio' must be greater than 0." },
        { """{"ratio":0.7}""", "/ratio", "multipleOf", "Property 'ratio' must be a multiple of 0.5." },
        { """{"message":"a"}""", "/message", "minLength", "Property 'message' must be at least 2 characters long." },
        { """{"message":"aaaaaa"}""", "/message", "maxLength", "Property 'message' must be at most 5 characters long." },
        { """{"message":"abc"}""", "/message", "pattern", "Property 'message' does not match the pattern '^a+$'." },
        { """{"tags":[]}""", "/tags", "minItems", "Property 'tags' must have at least 1 items." },
        { """{"tags":["a","b","c","d"]}""", "/tags", "maxItems", "Property 'tags' must have at most 3 items." },
        { """{"tags":["a","a"]}""", "/tags", "uniqueItems", "Property 'tags' must not contain duplicate items." },
        { """{"tags":["a",2]}""", "/tags/1", "type", "Item 'tags[1]' must be of type string, but got integer." },
        { """{"address":{}}""", "/address/zip", "required", "Required property 'address.zip' is missing." },
        { """{"address":{"zip":12345}}""", "/address/zip", "type", "Property 'address.zip' must be of type string, but got integer." },
        { """{"address":{"zip":"1","city":"x"}}""", "/address/city", "additionalProperties", "Property 'address.city' is not allowed: the tool does not declare it." },
        { """{"points":[{"x":1},{}]}""", "/points/1/x", "required", "Required property 'points[1].x' is missing." },
        { """{"points":[{"x":-1}]}""", "/points/0/x", "minimum", "Property 'points[0].x' must be at least 0." },
        { """{"extra":1}""", "/extra", "additionalProperties", "Property 'extra' is not allowed: the tool does not declare it." },
        { """{"forbidden":1}""", "/forbidden", "false", "Property 'forbidden' is not allowed by the schema." },
        { """{"id":true}""", "/id", "anyOf", "Property 'id' does not match any of the alternatives the schema allows (anyOf)." },
        { """{"choice":"ab"}""", "/choice", "oneOf", "Property 'choice' must match exactly one of the alternatives the schema allows (oneOf)." },
        { """{"other":"x"}""", "/other", "not", "Property 'other' has a form the schema forbids (not)." },
        { """{"ref":5}""", "/ref", "type", "Property 'ref' must be of type string, but got integer." },
        { """{"ref":"abc"}""", "/ref", "maxLength", "Property 'ref' must be at most 2 characters long." },
        { """{"a/b":1}""", "/a~1b", "type", "Property 'a/b' must be of type string, but got integer." },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_rule_is_reported_with_path_rule_and_message(string change, string path, string rule, string message)
    {
        var violations = ToolArgumentValidator.Validate(Parse(Schema), Merge(Valid, change));

        var violation = Assert.Single(violations);
        Assert.Equal(path, violation.Path);
        Assert.Equal(rule, violation.Rule);
        Assert.Equal(message, violation.Message);
        Assert.Equal(message, violation.ToString());
    }

    /// <summary>Keywords whose messages read the schema (limits, names, types) or the shape of the output tree.</summary>
    private const string RichSchema = """
        {
          "type": "object",
          "properties": {
            "multi": { "type": ["string", "null", "integer"] },
            "big": { "maximum": 1e2, "minimum": 1.0 },
            "many": { "enum": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
            "c": { "type": "array", "contains": { "type": "integer" }, "minContains": 2 },
            "pn": { "type": "object", "propertyNames": { "maxLength": 2 } },
            "pi": { "type": "array", "prefixItems": [ { "type": "string" } ], "items": false },
            "ite": { "if": { "properties": { "k": { "const": 1 } } }, "then": { "required": ["v"] }, "else": { "required": ["w"] } },
            "anymin": { "anyOf": [ { "type": "string" }, { "type": "integer" } ], "minimum": 5 },
            "nested": { "anyOf": [ { "type": "object", "properties": { "a": { "type": "integer" } } }, { "type": "string" } ] },
            "allof": { "allOf": [ { "type": "integer" }, { "minimum": 3 } ] },
            "dr": { "type": "object", "dependentRequired": { "a": ["b", "c"] } },
            "unev": { "type": "object", "properties": { "a": {} }, "unevaluatedProperties": false },
            "notref": { "not": { "$ref": "#/$defs/s" } }
          },
          "$defs": { "s": { "type": "string" } }
        }
        """;

    public static TheoryData<string, string, string, string> RichViolations() => new()
    {
        // arguments, expected Path, Rule, Message
        { """{"multi":true}""", "/multi", "type", "Property 'multi' must be of type string or integer or null, but got boolean." },
        { """{"multi":[]}""", "/multi", "type", "Property 'multi' must be of type string or integer or null, but got array." },
        { """{"big":101}""", "/big", "maximum", "Property 'big' must be at most 100." },
        { """{"big":0.5}""", "/big", "minimum", "Property 'big' must be at least 1.0." },
        { """{"many":13}""", "/many", "enum", "Property 'many' must be one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (got a different integer)." },
        { """{"c":[1,"a"]}""", "/c", "contains", "Property 'c' does not contain the number of matching items the schema requires (contains)." },
        { """{"pn":{"abc":1}}""", "/pn/abc", "maxLength", "The name of property 'pn.abc' must be at most 2 characters long." },
        { """{"pi":["a",1]}""", "/pi/1", "items", "Item 'pi[1]' is not allowed: the array accepts no further items." },
        { """{"pi":[1]}""", "/pi/0", "type", "Item 'pi[0]' must be of type string, but got integer." },
        { """{"ite":{"k":1}}""", "/ite/v", "required", "Required property 'ite.v' is missing." },
        { """{"ite":{"k":2}}""", "/ite/w", "required", "Required property 'ite.w' is missing." },
        { """{"anymin":3}""", "/anymin", "minimum", "Property 'anymin' must be at least 5." },
        { """{"anymin":10.5}""", "/anymin", "anyOf", "Property 'anymin' does not match any of the alternatives the schema allows (anyOf)." },
        { """{"nested":{"a":"x"}}""", "/nested", "anyOf", "Property 'nested' does not match any of the alternatives the schema allows (anyOf)." },
        { """{"allof":1}""", "/allof", "minimum", "Property 'allof' must be at least 3." },
        { """{"dr":{"a":1,"b":1}}""", "/dr/c", "dependentRequired", "Required property 'dr.c' is missing: the schema requires it when certain other properties are present." },
        { """{"unev":{"a":1,"b":2}}""", "/unev/b", "unevaluatedProperties", "Property 'unev.b' is not allowed: the tool does not declare it." },
        { """{"notref":"x"}""", "/notref", "not", "Property 'notref' has a form the schema forbids (not)." },
    };

    [Theory]
    [MemberData(nameof(RichViolations))]
    public void Messages_read_limits_names_and_types_from_the_schema(string arguments, string path, string rule, string message)
    {
        var violation = Assert.Single(ToolArgumentValidator.Validate(Parse(RichSchema), JsonNode.Parse(arguments)!.AsObject()));

        Assert.Equal((path, rule, message), (violation.Path, violation.Rule, violation.Message));
    }

    [Fact]
    public void Draft_07_dependencies_name_the_missing_properties()
    {
        var schema = Parse("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","dependencies":{"a":["b","c"],"d":{"required":["e"]}}}""");

        var violations = ToolArgumentValidator.Validate(schema, JsonNode.Parse("""{"a":1,"d":1}""")!.AsObject());

        Assert.Equal(["/b:dependencies", "/c:dependencies", "/e:required"], violations.Select(v => $"{v.Path}:{v.Rule}"));
    }

    [Theory]
    [InlineData(Valid)]
    [InlineData("""{"message":"aa","count":10,"ratio":1.5,"flag":false,"nothing":null,"color":"green","mode":"fast","mail":"a@b.example"}""")]
    [InlineData("""{"message":"aaaaa","count":1,"tags":["a"],"address":{"zip":"1"},"points":[{"x":0}],"id":3,"choice":true,"other":1,"ref":"ab","a/b":"x"}""")]
    public void Matching_arguments_give_no_violations(string arguments)
    {
        Assert.Empty(ToolArgumentValidator.Validate(Parse(Schema), JsonNode.Parse(arguments)!.AsObject()));
        Assert.Empty(ToolArgumentValidator.Validate(Parse(Schema), Parse(arguments)));
    }

    [Fact]
    public void Format_is_an_annotation_as_in_draft_2020_12()
    {
        Assert.Empty(ToolArgumentValidator.Validate(Parse(Schema), Merge(Valid, """{"mail":"not an address"}""")));
    }

    [Fact]
    public void Integral_numbers_written_with_a_fraction_are_integers()
    {
        Assert.Empty(ToolArgumentValidator.Validate(Parse(Schema), Merge(Valid, """{"count":3.0}""")));
    }

    [Fact]
    public void Every_violation_is_reported_at_once()
    {
        var violations = ToolArgumentValidator.Validate(Parse(Schema), JsonNode.Parse("""{"flag":1,"extra":2}""")!.AsObject());

        Assert.Equal(
            ["/count:required", "/extra:additionalProperties", "/flag:type", "/message:required"],
            violations.Select(v => $"{v.Path}:{v.Rule}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Null_arguments_are_an_empty_object()
    {
        var violations = ToolArgumentValidator.Validate(Parse(Schema), null);

        Assert.Equal(["/message", "/count"], violations.Select(v => v.Path));
        Assert.All(violations, v => Assert.Equal("required", v.Rule));
        Assert.Equal(2, ToolArgumentValidator.Validate(Parse(Schema), default(JsonElement)).Count);
    }

    public static TheoryData<string?> UnconstrainedSchemas() =>
    [
        null, // a tool without inputSchema: default(JsonElement)
        "{}",
        """{"type":"object"}""",
    ];

    [Theory]
    [MemberData(nameof(UnconstrainedSchemas))]
    public void A_missing_or_empty_schema_means_no_constraints(string? schema)
    {
        var inputSchema = schema is null ? default : Parse(schema);

        Assert.Empty(ToolArgumentValidator.Validate(inputSchema, Merge(Valid, """{"count":"x","extra":1}""")));
        Assert.Empty(ToolArgumentValidator.Validate(inputSchema, null));
        ToolArgumentValidator.ThrowIfInvalid(inputSchema, null, "tool");
    }

    public static TheoryData<string, string> UnusableInputSchemas() => new()
    {
        // not an object schema, as MCP requires
        { "null", "it is null, not a JSON object" },
        { "true", "it is true, not a JSON object" },
        { "false", "it is false, not a JSON object" },
        { "[]", "it is an array, not a JSON object" },
        { "\"object\"", "it is a string, not a JSON object" },
        { "42", "it is a number, not a JSON object" },
        { """{"type":5}""", "its \"type\" is 5, not \"object\"" },
        { """{"type":"frob","maxProperties":0}""", "its \"type\" is \"frob\", not \"object\"" },

        // a local reference to nothing
        { """{"type":"object","properties":{"count":{"$ref":"#/$defs/missing"}}}""", "its $ref '#/$defs/missing' at '#/properties/count' points to nothing in the schema" },

        // a loop that would overflow JsonSchema.Net's stack and end the process
        { """{"type":"object","$ref":"#"}""", "its $ref '#' at '#' leads back" },
    };

    [Theory]
    [MemberData(nameof(UnusableInputSchemas))]
    public void An_unusable_schema_is_an_error_naming_the_problem_and_the_library_never_sees_it(string schema, string problem)
    {
        var exception = Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.ThrowIfInvalid(Parse(schema), new JsonObject { ["count"] = "x" }, "lookup"));

        Assert.Equal(McpErrorKind.UnusableTool, exception.Kind);
        Assert.Equal("lookup", exception.Subject);
        Assert.StartsWith($"The inputSchema of tool 'lookup' cannot be used: {problem}", exception.Message, StringComparison.Ordinal);
        Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.Validate(Parse(schema), null));
    }

    public static TheoryData<string> UnusableSchemas() =>
    [
        // Each would reject {"count":"x"} (maxProperties 0) if it were enforced.

        // a remote reference: never fetched
        """{"type":"object","maxProperties":0,"properties":{"count":{"$ref":"https://schemas.invalid/count.json"}}}""",

        // a relative reference, resolved against a remote $id
        """{"$id":"https://schemas.invalid/tool.json","type":"object","maxProperties":0,"properties":{"count":{"$ref":"count.json"}}}""",

        // a dynamic reference outside the document
        """{"type":"object","maxProperties":0,"properties":{"count":{"$dynamicRef":"https://schemas.invalid/x#meta"}}}""",

        // a dialect JsonSchema.Net does not know
        """{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","maxProperties":0}""",
        """{"$schema":"https://schemas.invalid/custom","type":"object","maxProperties":0}""",

        // a regular expression .NET cannot parse
        """{"type":"object","maxProperties":0,"properties":{"count":{"type":"string","pattern":"(["}}}""",

        // malformed keywords
        """{"type":"object","maxProperties":0,"required":"count"}""",
        """{"type":"object","maxProperties":0,"properties":{"count":{"minimum":"one"}}}""",
    ];

    [Theory]
    [MemberData(nameof(UnusableSchemas))]
    public void A_schema_the_library_cannot_build_does_not_block_the_call(string schema)
    {
        Assert.Empty(ToolArgumentValidator.Validate(Parse(schema), JsonNode.Parse("""{"count":"x"}""")!.AsObject()));

        // again: nothing kept from the first attempt changes the outcome
        Assert.Empty(ToolArgumentValidator.Validate(Parse(schema), JsonNode.Parse("""{"count":"x"}""")!.AsObject()));
    }

    public static TheoryData<string> CommonSchemaShapes() =>
    [
        // annotations and vendor keywords, as tool generators write them
        """{"type":"object","title":"T","description":"d","x-order":1,"properties":{"count":{"type":"integer","default":1,"examples":[2],"x-ui":"slider"}},"required":["count"]}""",

        // draft-07 definitions, with and without $schema
        """{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"count":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":"integer"}},"required":["count"]}""",
        """{"type":"object","properties":{"count":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":"integer"}},"required":["count"]}""",

        // a local $id
        """{"$id":"https://schemas.invalid/same-id","type":"object","properties":{"count":{"type":"integer"}},"required":["count"]}""",
    ];

    [Theory]
    [MemberData(nameof(CommonSchemaShapes))]
    public void Annotations_definitions_and_ids_do_not_disable_validation(string schema)
    {
        var violation = Assert.Single(ToolArgumentValidator.Validate(Parse(schema), JsonNode.Parse("""{"count":"x"}""")!.AsObject()));
        Assert.Equal("Property 'count' must be of type integer, but got string.", violation.Message);

        var missing = Assert.Single(ToolArgumentValidator.Validate(Parse(schema), []));
        Assert.Equal("Required property 'count' is missing.", missing.Message);
    }

    [Fact]
    public void Two_schemas_with_the_same_id_do_not_collide()
    {
        var first = """{"$id":"https://schemas.invalid/shared","type":"object","properties":{"a":{"type":"integer"}}}""";
        var second = """{"$id":"https://schemas.invalid/shared","type":"object","properties":{"a":{"type":"string"}}}""";

        Assert.Equal("type", Assert.Single(ToolArgumentValidator.Validate(Parse(first), JsonNode.Parse("""{"a":"x"}""")!.AsObject())).Rule);
        Assert.Equal("type", Assert.Single(ToolArgumentValidator.Validate(Parse(second), JsonNode.Parse("""{"a":1}""")!.AsObject())).Rule);
    }

    public static TheoryData<string> SecretBearingArguments() =>
    [
        $$"""{"message":"{{Secret}}"}""",
        $$"""{"count":"{{Secret}}"}""",
        $$"""{"color":"{{Secret}}"}""",
        $$"""{"mode":"{{Secret}}"}""",
        $$"""{"ref":"{{Secret}}"}""",
        $$"""{"other":"{{Secret}}"}""",
        $$"""{"tags":["{{Secret}}","{{Secret}}",3]}""",
        $$$"""{"address":{"zip":"1","street":7,"city":"{{{Secret}}}"}}""",
        $$"""{"extra":"{{Secret}}","flag":"{{Secret}}","nothing":"{{Secret}}"}""",
        """{"count":987654321}""",
        """{"ratio":-987654321.25}""",
        """{"count":-987654321}""",
    ];

    [Theory]
    [MemberData(nameof(SecretBearingArguments))]
    public void Messages_never_contain_argument_values(string change)
    {
        var violations = ToolArgumentValidator.Validate(Parse(Schema), Merge(Valid, change));
        Assert.NotEmpty(violations);

        var exception = Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(Parse(Schema), Merge(Valid, change), "send"));
        foreach (var text in violations.Select(v => v.Message).Append(exception.Message))
        {
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("987654321", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_exception_is_an_argument_exception_listing_every_violation()
    {
        var arguments = JsonNode.Parse("""{"count":"x","flag":1}""")!.AsObject();

        var exception = Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(Parse(Schema), arguments, "send_message"));

        Assert.IsAssignableFrom<ArgumentException>(exception);
        Assert.Equal("send_message", exception.ToolName);
        Assert.Equal(3, exception.Violations.Count);
        Assert.StartsWith("The arguments for tool 'send_message' do not match its input schema (3 problems):", exception.Message, StringComparison.Ordinal);
        Assert.All(exception.Violations, v => Assert.Contains("  - " + v.Message, exception.Message, StringComparison.Ordinal));
        Assert.Null(exception.ParamName);
    }

    [Fact]
    public void The_tool_overload_uses_the_tools_schema_and_name()
    {
        var tool = new McpToolInfo
        {
            Name = "echo",
            ServerName = "sandbox",
            Url = new Uri("http://127.0.0.1/mcp"),
            InputSchema = Parse("""{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"""),
        };

        var exception = Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, null));
        Assert.Equal("The arguments for tool 'echo' do not match its input schema:" + Environment.NewLine + "  - Required property 'message' is missing.", exception.Message);
        ToolArgumentValidator.ThrowIfInvalid(tool, new JsonObject { ["message"] = "hi" });
        ToolArgumentValidator.ThrowIfInvalid(new McpToolInfo { Name = "any", ServerName = "s", Url = tool.Url }, new JsonObject { ["x"] = 1 });
    }

    [Fact]
    public void Arguments_built_from_dotnet_values_are_checked_as_sent()
    {
        var arguments = ArgumentJson.ToJsonObject(new Dictionary<string, object?>
        {
            ["message"] = "aaa",
            ["count"] = 2L,
            ["tags"] = new[] { "a", "b" },
            ["address"] = new Dictionary<string, object?> { ["zip"] = 12345 },
        });

        var violation = Assert.Single(ToolArgumentValidator.Validate(Parse(Schema), arguments));
        Assert.Equal("/address/zip", violation.Path);
    }

    [Fact]
    public void A_tools_schema_is_built_once_and_outlives_the_document_it_came_from()
    {
        McpToolInfo tool;
        using (var document = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"""))
        {
            tool = new McpToolInfo { Name = "t", ServerName = "s", Url = new Uri("http://127.0.0.1/mcp"), InputSchema = document.RootElement };
            Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, []));
        }

        var built = tool.ArgumentSchema;
        Assert.NotNull(built);
        Assert.Same(built, tool.ArgumentSchema);
        var exception = Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, new JsonObject { ["n"] = "x" }));
        Assert.Equal("type", Assert.Single(exception.Violations).Rule);
    }

    [Fact]
    public void A_tool_without_a_usable_schema_has_none_built()
    {
        var tool = new McpToolInfo { Name = "t", ServerName = "s", Url = new Uri("http://127.0.0.1/mcp"), InputSchema = Parse("""{"maxProperties":0,"properties":{"x":{"$ref":"https://schemas.invalid/x.json"}}}""") };

        Assert.Null(tool.ArgumentSchema);
        ToolArgumentValidator.ThrowIfInvalid(tool, new JsonObject { ["x"] = 1 });
    }

    [Fact]
    public void An_unusable_tool_is_an_error_naming_the_server_and_the_tool_and_nothing_is_built()
    {
        var tool = new McpToolInfo { Name = "loop", ServerName = "hostile", Url = new Uri("http://127.0.0.1/mcp"), InputSchema = Parse("""{"type":"object","allOf":[{"$ref":"#"}]}""") };

        Assert.StartsWith("its $ref '#' at '#/allOf/0' leads back", tool.Problem, StringComparison.Ordinal);
        Assert.Null(tool.ArgumentSchema);
        var exception = Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, null));
        Assert.Equal(McpErrorKind.UnusableTool, exception.Kind);
        Assert.Equal("loop", exception.Subject);
        Assert.Equal(tool.Url, exception.Endpoint);
        Assert.StartsWith("The inputSchema of tool 'loop' of the MCP server 'hostile' cannot be used: its $ref '#'", exception.Message, StringComparison.Ordinal);
    }

    private static McpToolInfo PatternTool(string schema) =>
        new() { Name = "slow", ServerName = "hostile", Url = new Uri("http://127.0.0.1/mcp"), InputSchema = Parse(schema) };

    [Fact]
    public void A_pattern_that_backtracks_without_end_ends_the_check_at_its_limit_never_a_silent_pass()
    {
        // Defect 8: JsonSchema.Net gave up after its own 5 s per match, and the check then passed.
        var tool = PatternTool("""{"type":"object","properties":{"value":{"type":"string","pattern":"^(a+)+$"}}}""");
        var hostile = new JsonObject { ["value"] = new string('a', 40) + "!" };

        var exception = Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, hostile, TimeSpan.FromMilliseconds(400)));

        Assert.Equal(McpErrorKind.ArgumentCheckTimeout, exception.Kind);
        Assert.Equal("slow", exception.Subject);
        Assert.Equal(TimeSpan.FromMilliseconds(400), exception.Timeout);
        Assert.Equal("Checking the arguments of tool 'slow' against its inputSchema did not finish within 0.4 s: its pattern '^(a+)+$' takes too long to match them. Nothing was sent.", exception.Message);
        Assert.DoesNotContain("aaaa", exception.Message, StringComparison.Ordinal);

        // The same pattern on values it matches quickly is checked as ever.
        ToolArgumentValidator.ThrowIfInvalid(tool, new JsonObject { ["value"] = "aaa" }, TimeSpan.FromSeconds(5));
        var violation = Assert.Single(Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, new JsonObject { ["value"] = "b!" }, TimeSpan.FromSeconds(5))).Violations);
        Assert.Equal("pattern", violation.Rule);
    }

    [Fact]
    public void A_pattern_property_that_backtracks_without_end_on_a_name_ends_the_check_too()
    {
        var tool = PatternTool("""{"type":"object","patternProperties":{"^(x+x+)+y$":{"type":"string"}}}""");
        var hostile = new JsonObject { [new string('x', 40)] = "v" };

        var exception = Assert.Throws<McpGatewayException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, hostile, TimeSpan.FromMilliseconds(400)));

        Assert.Equal(McpErrorKind.ArgumentCheckTimeout, exception.Kind);
        Assert.Contains("'^(x+x+)+y$'", exception.Message, StringComparison.Ordinal);
        ToolArgumentValidator.ThrowIfInvalid(tool, new JsonObject { ["xy"] = "v" }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Validation_is_safe_from_many_threads()
    {
        var schema = Parse(Schema);
        Parallel.For(0, 200, i =>
        {
            var violation = Assert.Single(ToolArgumentValidator.Validate(schema, Merge(Valid, $$"""{"count":{{(i % 2 == 0 ? "\"x\"" : "11")}}}""")));
            Assert.Equal(i % 2 == 0 ? "type" : "maximum", violation.Rule);
        });
    }

    [Fact]
    public void One_tools_schema_is_safe_from_many_threads()
    {
        var tool = new McpToolInfo { Name = "t", ServerName = "s", Url = new Uri("http://127.0.0.1/mcp"), InputSchema = Parse(Schema) };
        Parallel.For(0, 400, i =>
        {
            if (i % 3 == 0)
            {
                ToolArgumentValidator.ThrowIfInvalid(tool, Merge(Valid, """{"tags":["a"],"address":{"zip":"1"}}"""));
                return;
            }

            var exception = Assert.Throws<McpArgumentException>(() => ToolArgumentValidator.ThrowIfInvalid(tool, Merge(Valid, $$"""{"count":{{(i % 3 == 1 ? "\"x\"" : "11")}}}""")));
            Assert.Equal(i % 3 == 1 ? "type" : "maximum", Assert.Single(exception.Violations).Rule);
        });
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary><paramref name="baseline"/> with the properties of <paramref name="change"/> set (null: removed).</summary>
    private static JsonObject Merge(string baseline, string change)
    {
        var result = JsonNode.Parse(baseline)!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(change)!.AsObject())
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = value.DeepClone();
            }
        }

        return result;
    }
}
