/**
 * The one way every Lead Router component turns errors into words: Apex (AuraHandledException bodies), UI API,
 * JS errors and plain strings, single or in arrays, reduced to a list of messages; `errorToast` wraps them in a
 * ShowToastEvent so a component only writes `this.dispatchEvent(errorToast('Could not load', error))`.
 */
import { ShowToastEvent } from 'lightning/platformShowToastEvent';

/**
 * @param {*} errors one error or an array of them
 * @returns {string[]} the messages, empty ones dropped
 */
export function reduceErrors(errors) {
    const list = Array.isArray(errors) ? errors : [errors];
    return list
        .filter((error) => error !== undefined && error !== null)
        .flatMap((error) => messagesOf(error))
        .filter((message) => typeof message === 'string' && message.length > 0);
}

function messagesOf(error) {
    if (typeof error === 'string') {
        return [error];
    }
    const body = error.body;
    if (Array.isArray(body)) {
        // UI API read errors
        return body.map((item) => item.message);
    }
    if (body && Array.isArray(body.pageErrors) && body.pageErrors.length > 0) {
        // UI API DML page errors
        return body.pageErrors.map((item) => item.message);
    }
    if (body && body.fieldErrors && Object.keys(body.fieldErrors).length > 0) {
        // UI API DML field errors
        return Object.values(body.fieldErrors)
            .flat()
            .map((item) => item.message);
    }
    if (body && typeof body.message === 'string') {
        // Apex (AuraHandledException) and network errors
        return [body.message];
    }
    if (typeof error.message === 'string') {
        // JS errors
        return [error.message];
    }
    return [error.statusText || 'Unknown error'];
}

/**
 * @param {string} title toast title, saying what failed
 * @param {*} error what reduceErrors accepts
 * @returns {ShowToastEvent} a sticky error toast
 */
export function errorToast(title, error) {
    return new ShowToastEvent({
        title,
        message: reduceErrors(error).join(', ') || 'Unknown error',
        variant: 'error',
        mode: 'sticky'
    });
}

/**
 * @param {string} title toast title
 * @param {string} message toast message
 * @returns {ShowToastEvent} a success toast
 */
export function successToast(title, message) {
    return new ShowToastEvent({ title, message, variant: 'success' });
}
