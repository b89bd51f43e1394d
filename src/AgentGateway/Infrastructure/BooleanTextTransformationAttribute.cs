using System.Management.Automation;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Lets a [bool] or [switch] parameter of a generated tool command take text as well: CSV rows and other text
/// carry booleans as 'true'/'false' (also 'yes'/'no', '1'/'0', '$true'/'$false'); any other value is left to
/// PowerShell's own conversion.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BooleanTextTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text)
        {
            return inputData;
        }

        return text.Trim().ToUpperInvariant() switch
        {
            "TRUE" or "$TRUE" or "YES" or "1" => true,
            "FALSE" or "$FALSE" or "NO" or "0" or "" => false,
            _ => throw new ArgumentTransformationMetadataException($"'{text}' is not a boolean: pass true or false."),
        };
    }
}
