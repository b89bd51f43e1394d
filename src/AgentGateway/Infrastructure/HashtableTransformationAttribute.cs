using System.Collections;
using System.Management.Automation;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Lets a [hashtable] or [hashtable[]] parameter of a generated tool command take a PSCustomObject (ConvertFrom-Json
/// output, a nested object of a piped row) as well: its properties become the keys. Anything else is left to
/// PowerShell's own conversion.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class HashtableTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        return inputData switch
        {
            PSObject { BaseObject: PSCustomObject } custom => ToHashtable(custom),
            PSObject { BaseObject: object[] items } => Each(items),
            object[] items => Each(items),
            _ => inputData,
        };
    }

    private static object?[] Each(object?[] items) =>
        items.Select(item => item is PSObject { BaseObject: PSCustomObject } custom ? ToHashtable(custom) : item).ToArray();

    private static Hashtable ToHashtable(PSObject custom)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var property in custom.Properties)
        {
            table[property.Name] = property.Value;
        }

        return table;
    }
}
