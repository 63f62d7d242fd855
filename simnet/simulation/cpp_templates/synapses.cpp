{# simnet's version of Brian2's C++ standalone template for a synaptic pathway's event code (on_pre, on_post).
   Brian2 runs the code on one thread (OpenMP "master") as soon as it touches any variable that is not the
   synapse's own. Here each thread's spike queue holds only the synapses whose target neuron the thread owns
   (synapses_classes.cpp), so where the code writes no neuron variable but the target's (``v_post += w`` on_pre,
   or synaptic variables only) every thread delivers its own queue: no neuron is written by two threads, no
   synapse is seen twice, and each neuron's inputs come in the order of one thread's queue, so sums are the same
   as on one thread. Code that touches the source side keeps Brian2's serial path over every queue
   (simnet.simulation.parallel_delivery). #}
{# USES_VARIABLES { _synaptic_pre, _synaptic_post } #}
{% extends 'common_synapses.cpp' %}

{% set _non_synaptic = [] %}
{% for var in variables %}
    {% if variable_indices[var] not in ('_idx', '0') %}
        {% if _non_synaptic.append(variable_indices[var]) %}{% endif %}
    {% endif %}
{% endfor %}
{% set _sides = _non_synaptic | unique | list %}
{% set _target_side = '_postsynaptic_idx' if pathway.prepost == 'pre' else '_presynaptic_idx' %}
{% set _own_queue = (_sides | length) == 0 or ((_sides | length) == 1 and _sides[0] == _target_side) %}

{% block maincode %}

    // This is only needed for the _debugmsg function below
    {# USES_VARIABLES { _synaptic_pre } #}

    // scalar code
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    {{ openmp_pragma('parallel') }}
    {
    {% if _own_queue and openmp_pragma('with_openmp') %}
    // simnet: owner-computes delivery: this thread's queue holds the synapses whose target it owns
    const std::vector<int32_t> &_spiking_synapses = *{{pathway.name}}.own_peek();
    const int _num_spiking_synapses = _spiking_synapses.size();
    for(int _spiking_synapse_idx=0;
        _spiking_synapse_idx<_num_spiking_synapses;
        _spiking_synapse_idx++)
    {
        const size_t _idx = _spiking_synapses[_spiking_synapse_idx];
        const size_t _vectorisation_idx = _idx;
        {{vector_code|autoindent}}
    }
    {% elif _non_synaptic %}
    std::vector<int> *_spiking_synapses = {{pathway.name}}.peek();
    const int _num_spiking_synapses = _spiking_synapses->size();
    {% if openmp_pragma('with_openmp') %}
    // simnet: serial delivery (the code touches the variables of the neuron that sent the spike)
    {% endif %}
    {{ openmp_pragma('master') }}
    {
        for(int _spiking_synapse_idx=0;
            _spiking_synapse_idx<_num_spiking_synapses;
            _spiking_synapse_idx++)
        {
            const size_t _idx = (*_spiking_synapses)[_spiking_synapse_idx];
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
        }
    }
    {% else %}
    std::vector<int> *_spiking_synapses = {{pathway.name}}.peek();
    const int _num_spiking_synapses = _spiking_synapses->size();
    {{ openmp_pragma('static') }}
    for(int _spiking_synapse_idx=0;
        _spiking_synapse_idx<_num_spiking_synapses;
        _spiking_synapse_idx++)
    {
        const size_t _idx = (*_spiking_synapses)[_spiking_synapse_idx];
        const size_t _vectorisation_idx = _idx;
        {{vector_code|autoindent}}
    }

    {% endif %}
    }
{% endblock %}


{% block extra_functions_cpp %}
void _debugmsg_{{codeobj_name}}()
{
    using namespace brian;
    std::cout << "Number of synapses: " << {{_dynamic__synaptic_pre}}.size() << endl;
}
{% endblock %}

{% block extra_functions_h %}
void _debugmsg_{{codeobj_name}}();
{% endblock %}

{% macro main_finalise() -%}
#ifdef DEBUG
_debugmsg_{{codeobj_name}}();
#endif
{% endmacro %}
