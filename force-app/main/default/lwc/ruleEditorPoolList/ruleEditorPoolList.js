/**
 * Pools and their members: strategy, time zone, working hours, overflow; per member weight, daily cap, max open
 * leads, skills and availability. Emits `change` with the new pools list.
 */
import { LightningElement, api } from 'lwc';
import { STRATEGIES, replaceItem, removeItem } from 'c/rulesetModel';

const NUMBER_FIELDS = ['weight', 'dailyCap', 'maxOpen'];

function optionalNumber(text) {
    const trimmed = String(text === undefined || text === null ? '' : text).trim();
    return trimmed === '' ? undefined : Number(trimmed);
}

export default class RuleEditorPoolList extends LightningElement {
    @api pools = [];

    strategyOptions = STRATEGIES.map((s) => ({ label: s, value: s }));
    overflowOptions = [
        { label: 'none (ruleset default)', value: '' },
        { label: 'queue', value: 'queue' },
        { label: 'user', value: 'user' }
    ];

    get items() {
        return (this.pools || []).map((pool, index) => ({
            key: `${index}-${pool.id}`,
            index,
            pool,
            // ruleset.md: weight only matters to the weighted strategy.
            weightDisabled: pool.strategy !== 'weighted',
            overflowType: pool.overflow ? pool.overflow.type : '',
            overflowOwnerId: pool.overflow ? pool.overflow.ownerId : '',
            hasOverflow: !!pool.overflow,
            days: pool.workingHours ? (pool.workingHours.days || []).join(', ') : '',
            start: pool.workingHours ? pool.workingHours.start : '',
            end: pool.workingHours ? pool.workingHours.end : '',
            members: (pool.members || []).map((member, m) => ({
                key: `${index}-${m}`,
                index: m,
                poolIndex: index,
                ownerId: member.ownerId,
                weight: member.weight,
                dailyCap: member.dailyCap,
                maxOpen: member.maxOpen,
                skills: (member.skills || []).join(', '),
                available: member.available !== false
            }))
        }));
    }

    emit(pools) {
        this.dispatchEvent(new CustomEvent('change', { detail: { pools } }));
    }

    updatePool(index, pool) {
        this.emit(replaceItem(this.pools, index, pool));
    }

    handleAddPool() {
        const pools = this.pools || [];
        this.emit([...pools, { id: `pool-${pools.length + 1}`, strategy: 'round_robin', members: [] }]);
    }

    handleRemovePool(event) {
        this.emit(removeItem(this.pools, Number(event.currentTarget.dataset.pool)));
    }

    handlePoolField(event) {
        const index = Number(event.target.dataset.pool);
        const field = event.target.dataset.field;
        const value = event.detail.value;
        const pool = { ...this.pools[index] };
        if (field === 'overflowType') {
            if (value === '') {
                delete pool.overflow;
            } else {
                pool.overflow = { type: value, ownerId: pool.overflow ? pool.overflow.ownerId : '' };
            }
        } else if (field === 'overflowOwnerId') {
            pool.overflow = { ...pool.overflow, ownerId: value };
        } else if (field === 'days' || field === 'start' || field === 'end') {
            const hours = { days: [], start: '09:00', end: '18:00', ...pool.workingHours };
            hours[field] =
                field === 'days'
                    ? value
                          .split(',')
                          .map((d) => d.trim().toLowerCase())
                          .filter((d) => d.length > 0)
                    : value;
            if (hours.days.length === 0 && field === 'days') {
                delete pool.workingHours;
            } else {
                pool.workingHours = hours;
            }
        } else if (value === '' && field === 'timezone') {
            delete pool.timezone;
        } else {
            pool[field] = value;
        }
        this.updatePool(index, pool);
    }

    handleAddMember(event) {
        const index = Number(event.currentTarget.dataset.pool);
        const pool = this.pools[index];
        this.updatePool(index, { ...pool, members: [...(pool.members || []), { ownerId: '' }] });
    }

    handleRemoveMember(event) {
        const index = Number(event.currentTarget.dataset.pool);
        const pool = this.pools[index];
        this.updatePool(index, { ...pool, members: removeItem(pool.members, Number(event.currentTarget.dataset.member)) });
    }

    handleMemberField(event) {
        const index = Number(event.target.dataset.pool);
        const memberIndex = Number(event.target.dataset.member);
        const field = event.target.dataset.field;
        const pool = this.pools[index];
        const member = { ...pool.members[memberIndex] };
        if (field === 'available') {
            if (event.detail.checked) {
                delete member.available;
            } else {
                member.available = false;
            }
        } else if (NUMBER_FIELDS.includes(field)) {
            const number = optionalNumber(event.detail.value);
            if (number === undefined) {
                delete member[field];
            } else {
                member[field] = number;
            }
        } else if (field === 'skills') {
            const skills = event.detail.value
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s.length > 0);
            if (skills.length === 0) {
                delete member.skills;
            } else {
                member.skills = skills;
            }
        } else {
            member[field] = event.detail.value;
        }
        this.updatePool(index, { ...pool, members: replaceItem(pool.members, memberIndex, member) });
    }
}
