using Microsoft.Extensions.Options;
using Partnumber.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Validates options at host start-up with the same rules the client's constructor applies.</summary>
internal sealed class PartnumberOptionsValidator : IValidateOptions<PartnumberClassificationClientOptions>
{
    public ValidateOptionsResult Validate(string? name, PartnumberClassificationClientOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"Partnumber client '{(string.IsNullOrEmpty(name) ? "(default)" : name)}': {ex.Message}");
        }
    }
}
