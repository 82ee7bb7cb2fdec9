"""Plans: a risk management plan in Markdown (ja or en) imported into the register and exported back."""
