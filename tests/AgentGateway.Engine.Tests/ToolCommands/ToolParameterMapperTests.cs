using System.Text.Json;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Engine.Tests.ToolCommands;

public sealed class ToolParameterMapperTests
{
    private static IReadOnlyList<ToolParameter> Map(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return ToolParameterMapper.Map(document.RootElement.Clone());
    }

    private static ToolParameter Single(string property, string propertySchema, bool required = false) =>
        Map($$"""{"type":"object","properties":{"{{property}}":{{propertySchema}}}{{(required ? $",\"required\":[\"{property}\"]" : "")}}}""").Single();

    [Theory]
    [InlineData("""{"type":"string"}""", false, "string")]
    [InlineData("""{"type":"string","format":"date-time"}""", false, "datetime")]
    [InlineData("""{"type":"integer"}""", false, "long")]
    [InlineData("""{"type":"number"}""", false, "double")]
    [InlineData("""{"type":["integer","null"]}""", false, "long")]
    [InlineData("""{"type":"boolean"}""", false, "switch")]
    [InlineData("""{"type":"boolean"}""", true, "bool")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}}}""", false, "hashtable")]
    [InlineData("""{"type":"array","items":{"type":"string"}}""", false, "string[]")]
    [InlineData("""{"type":"array","items":{"type":"integer"}}""", false, "long[]")]
    [InlineData("""{"type":"array","items":{"type":"boolean"}}""", false, "bool[]")]
    [InlineData("""{"type":"array","items":{"type":"object"}}""", false, "hashtable[]")]
    [InlineData("""{"type":"array","items":{"type":"array"}}""", false, "object[]")]
    [InlineData("""{"type":"array"}""", false, "object[]")]
    [InlineData("""{"enum":["a","b"]}""", false, "string")]
    [InlineData("""{"anyOf":[{"type":"string"},{"type":"null"}]}""", false, "string")]
    [InlineData("""{"anyOf":[{"type":"string"},{"type":"integer"}]}""", false, "object")]
    [InlineData("""{}""", false, "object")]
    public void Each_schema_type_has_its_PowerShell_type(string schema, bool required, string typeName)
    {
        var parameter = Single("value", schema, required);

        Assert.Equal(typeName, parameter.TypeName);
        Assert.Equal(required, parameter.Mandatory);
    }

    [Fact]
    public void Names_are_PascalCase_with_the_property_name_as_an_alias_when_it_differs()
    {
        var parameters = Map("""{"type":"object","properties":{"query":{"type":"string"},"first-name":{"type":"string"},"geo.lat":{"type":"number"},"customerId":{"type":"string"}}}""");

        Assert.Equal(["Query", "FirstName", "GeoLat", "CustomerId"], parameters.Select(p => p.Name));
        Assert.Empty(parameters[0].Aliases);
        Assert.Equal(["first-name"], parameters[1].Aliases);
        Assert.Equal(["geo.lat"], parameters[2].Aliases);
        Assert.Empty(parameters[3].Aliases); // PowerShell names are case-insensitive: customerId is CustomerId
        Assert.All(parameters, p => Assert.Null(p.RenamedBecause));
    }

    [Theory]
    [InlineData("Verbose", "ToolVerbose", false)]
    [InlineData("ea", "ToolEa", false)]
    [InlineData("whatIf", "ToolWhatIf", false)]
    [InlineData("timeoutSec", "ToolTimeoutSec", false)]
    [InlineData("userToken", "ToolUserToken", false)]
    [InlineData("input", "ToolInput", true)]
    [InlineData("args", "ToolArgs", true)]
    [InlineData("2fa", "Tool2fa", true)]
    [InlineData("agwRun", "ToolAgwRun", true)]
    public void A_name_that_cannot_be_a_parameter_gets_a_safe_one_and_is_still_sent(string property, string name, bool aliased)
    {
        var parameter = Single(property, """{"type":"string"}""");

        Assert.Equal(name, parameter.Name);
        Assert.Equal(property, parameter.PropertyName);
        Assert.NotNull(parameter.RenamedBecause);
        Assert.Equal(aliased ? [property] : [], parameter.Aliases);
    }

    [Fact]
    public void A_name_without_letters_or_digits_gets_a_numbered_one()
    {
        var parameters = Map("""{"type":"object","properties":{"a":{"type":"string"},"$$":{"type":"string"}}}""");

        Assert.Equal("ToolArgument2", parameters[1].Name);
        Assert.Equal("$$", parameters[1].PropertyName);
    }

    [Fact]
    public void Properties_that_map_to_the_same_name_stay_apart()
    {
        var parameters = Map("""{"type":"object","properties":{"customer_id":{"type":"string"},"customerId":{"type":"string"}}}""");

        Assert.Equal(["CustomerId", "CustomerId2"], parameters.Select(p => p.Name));
        Assert.Equal(["customer_id"], parameters[0].Aliases);
        Assert.Empty(parameters[1].Aliases);
        Assert.Equal("customerId", parameters[1].PropertyName);
    }

    [Fact]
    public void An_enum_is_a_set_of_valid_values_and_canonicalized()
    {
        var parameter = Single("priority", """{"type":"string","enum":["Low","High"]}""");

        Assert.Equal(["Low", "High"], parameter.ValidValues);
        Assert.True(parameter.CanonicalizesValues);
        Assert.Equal("'Low'", parameter.ExampleValue);
    }

    [Fact]
    public void The_enum_of_an_arrays_items_is_a_set_of_valid_values_too()
    {
        var parameter = Single("sizes", """{"type":"array","items":{"type":"string","enum":["S","M"]}}""");

        Assert.Equal("string[]", parameter.TypeName);
        Assert.Equal(["S", "M"], parameter.ValidValues);
        Assert.Equal("@('S')", parameter.ExampleValue);
    }

    [Fact]
    public void An_integer_enum_stays_an_integer()
    {
        var parameter = Single("level", """{"type":"integer","enum":[1,2,3]}""");

        Assert.Equal("long", parameter.TypeName);
        Assert.Equal(["1", "2", "3"], parameter.ValidValues);
        Assert.False(parameter.CanonicalizesValues);
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":1,"maximum":100}""", "1L", "100L")]
    [InlineData("""{"type":"integer","minimum":1}""", "1L", "[long]::MaxValue")]
    [InlineData("""{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}""", "1L", "9L")]
    [InlineData("""{"type":"integer","minimum":-5.5}""", "-5L", "[long]::MaxValue")]
    [InlineData("""{"type":"integer","minimum":-1e30}""", "[long]::MinValue", "[long]::MaxValue")]
    [InlineData("""{"type":"number","minimum":0,"maximum":1}""", "0.0", "1.0")]
    [InlineData("""{"type":"number","maximum":2.5}""", "[double]::MinValue", "2.5")]
    public void Minimum_and_maximum_are_a_range_of_the_parameters_type(string schema, string minimum, string maximum) =>
        Assert.Equal(new ToolParameterRange(minimum, maximum), Single("n", schema).Range);

    [Fact]
    public void A_string_has_no_range() => Assert.Null(Single("s", """{"type":"string","minimum":1}""").Range);

    [Fact]
    public void Description_default_and_the_keys_of_an_object_are_kept_for_the_help()
    {
        var parameter = Single("address", """{"type":"object","description":"Where.","default":{"city":"x"},"properties":{"street":{"type":"string"},"city":{"type":"string"}},"required":["city"]}""");

        Assert.Equal("Where.", parameter.Description);
        Assert.Equal("""{"city":"x"}""", parameter.DefaultJson);
        Assert.Equal("street (string), city (string, required)", parameter.KeysText);
        Assert.Equal("@{ 'city' = 'text' }", parameter.ExampleValue);
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":5}""", "5")]
    [InlineData("""{"type":"integer","default":7}""", "7")]
    [InlineData("""{"type":"number","maximum":0.5}""", "0.5")]
    [InlineData("""{"type":"string","examples":["acme"]}""", "'acme'")]
    [InlineData("""{"type":"string","default":"it's"}""", "'it''s'")]
    [InlineData("""{"type":"string","format":"date-time"}""", "'2026-01-01T00:00:00Z'")]
    [InlineData("""{"type":"boolean"}""", "$true")]
    [InlineData("""{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":2}},"required":["sku","qty"]}}""", "@(@{ 'sku' = 'text'; 'qty' = 2 })")]
    public void The_example_value_is_one_the_schema_accepts(string schema, string example) =>
        Assert.Equal(example, Single("v", schema, required: true).ExampleValue);

    [Fact]
    public void A_schema_without_properties_has_no_parameters()
    {
        Assert.Empty(Map("""{"type":"object"}"""));
        Assert.Empty(ToolParameterMapper.Map(default));
    }

    [Theory]
    [InlineData("\"object\"")]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"type":"object","$ref":"#"}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/$defs/b"}},"$defs":{"b":{"anyOf":[{"$ref":"#/$defs/b"}]}}}""")]
    public void A_schema_the_guard_refuses_is_never_walked(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        Assert.Equal(McpErrorKind.UnusableTool, Assert.Throws<McpGatewayException>(() => ToolParameterMapper.Map(document.RootElement)).Kind);
    }

    [Fact]
    public void Json_nested_deeper_than_the_guard_allows_is_refused_not_walked()
    {
        var schema = string.Concat(Enumerable.Repeat("""{"anyOf":[""", 3000)) + "{}" + string.Concat(Enumerable.Repeat("]}", 3000));
        using var document = JsonDocument.Parse("""{"type":"object","properties":{"a":""" + schema + "}}", new JsonDocumentOptions { MaxDepth = 10_000 });

        Assert.Throws<McpGatewayException>(() => ToolParameterMapper.Map(document.RootElement));
    }
}
